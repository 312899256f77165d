import { type CertificateSummary, readCertificateSummary } from "../parse/certificate-summary.js";
import { DerReader, Tag } from "../parse/der.js";
import { decodeBinaryInput } from "../parse/input-encoding.js";
import type { MasterListContent } from "../parse/master-list-content.js";
import { MalformedInputError } from "../parse/malformed-input.js";
import type { ParseLimits } from "../parse/parse-limits.js";
import { readSignedData } from "../parse/signed-data.js";
import {
  LDS_SECURITY_OBJECT_OID,
  type LdsSecurityObject,
  readLdsSecurityObject,
} from "./lds-security-object.js";

/** The application tag of EF.SOD (ICAO 9303-10): `[APPLICATION 23]`, constructed. */
export const EF_SOD_TAG = 0x77;

/** What `check` was given: a Document Security Object, or a bare DSC certificate. */
export type DocumentInput =
  | {
      readonly kind: "sod";
      /** The CMS SignedData's eContent and SignerInfos, as the master-list verifier reads them. */
      readonly content: MasterListContent;
      readonly lds: LdsSecurityObject;
      /** SignedData.certificates (the DSC, as ICAO 9303-10 asks). */
      readonly certificates: readonly CertificateSummary[];
    }
  | { readonly kind: "dsc"; readonly certificate: CertificateSummary };

/**
 * Reads an EF.SOD (with its 0x77 wrapper), a bare CMS SignedData SOD, or a DSC certificate, as DER, PEM or
 * base64. Throws MalformedInputError when it is none of them.
 */
export function readDocumentInput(input: Uint8Array, limits: ParseLimits): DocumentInput {
  // A 0x77 EF.SOD is DER already and skips decodeBinaryInput, so it meets maxInputBytes here.
  if (input[0] === EF_SOD_TAG && input.length > limits.maxInputBytes) {
    throw new MalformedInputError(
      `the document is ${input.length} bytes, over the limit of ${limits.maxInputBytes}`,
    );
  }
  const der =
    input[0] === EF_SOD_TAG ? input : decodeBinaryInput(input, { what: "document", zip: false, limits });
  const outer = new DerReader(der, limits);
  const root = outer.readWhole(0, der.length, 0, "document");
  if (root.tag === EF_SOD_TAG) {
    const [inner, extra] = outer.children(root);
    if (inner === undefined || extra !== undefined)
      throw new MalformedInputError("the EF.SOD wrapper (0x77) does not hold exactly one SignedData");
    return readSod(outer.encoded(inner), limits);
  }
  const [first] = outer.children(outer.expect(root, Tag.SEQUENCE, "document"));
  // A ContentInfo starts with its contentType OID, a certificate with its tbsCertificate SEQUENCE.
  if (first?.tag === Tag.OID) return readSod(der, limits);
  return { kind: "dsc", certificate: readCertificateSummary(outer, root, "DSC certificate") };
}

function readSod(der: Uint8Array, limits: ParseLimits): DocumentInput {
  const reader = new DerReader(der, limits);
  const layout = readSignedData(reader);
  if (layout.eContentType !== LDS_SECURITY_OBJECT_OID) {
    throw new MalformedInputError(
      `its content type is ${layout.eContentType}, not an LDS Security Object (${LDS_SECURITY_OBJECT_OID})`,
    );
  }
  if (layout.eContent === null) throw new MalformedInputError("it has no encapsulated LDS Security Object");
  const certificates = layout.certificates.map((node, i) =>
    readCertificateSummary(reader, node, `SignedData certificate ${i + 1}`),
  );
  return {
    kind: "sod",
    content: {
      eContentType: layout.eContentType,
      eContent: layout.eContent,
      signerInfos: layout.signerInfos,
    },
    lds: readLdsSecurityObject(layout.eContent),
    certificates,
  };
}
