import { err, ok, type Result } from "@certs/result";
import { type DerNode, DerReader, Tag } from "./der.js";
import { DerLimitError, MalformedInputError } from "./malformed-input.js";
import { readRfc4514Name } from "./distinguished-name.js";
import { decodeBinaryInput } from "./input-encoding.js";
import { parseFailure } from "./parse-failure.js";
import { type ParseLimits, resolveParseLimits } from "./parse-limits.js";
import { formatSerialNumber } from "./serial-number.js";

/**
 * What the trust store keeps of one X.509 certificate, read straight from its DER without building an object
 * model. All byte fields are views of (or copies from) the input, never re-encoded.
 */
export interface CertificateSummary {
  /** The certificate's exact DER bytes. */
  readonly der: Uint8Array;
  /** The issuer as Python cryptography's `Name.rfc4514_string()` renders it. */
  readonly issuer: string;
  /** The issuer Name's DER bytes exactly as they appear inside the certificate. */
  readonly issuerDer: Uint8Array;
  /** The subject, rendered like `issuer`. */
  readonly subject: string;
  /** The subject Name's DER bytes. */
  readonly subjectDer: Uint8Array;
  /** The serial number as Python's `hex()` writes the signed integer, e.g. `0x1a2b`, `-0x4e`, `0x0`. */
  readonly serialNumber: string;
  /** Lowercase hex of the subjectKeyIdentifier, or null when the certificate has none. */
  readonly subjectKeyIdentifier: string | null;
  /** Lowercase hex of the authorityKeyIdentifier's keyIdentifier, or null when absent. */
  readonly authorityKeyIdentifier: string | null;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** basicConstraints `cA`: false when the extension is absent, malformed or says FALSE (RFC 5280 4.2.1.9). */
  readonly isCa: boolean;
  /** keyUsage `keyCertSign`; null when the certificate has no keyUsage extension. */
  readonly keyCertSign: boolean | null;
}

const SKI_OID = [0x55, 0x1d, 0x0e];
const AKI_OID = [0x55, 0x1d, 0x23];
const BASIC_CONSTRAINTS_OID = [0x55, 0x1d, 0x13];
const KEY_USAGE_OID = [0x55, 0x1d, 0x0f];
/** keyCertSign is bit 5 of the KeyUsage BIT STRING, counted from the most significant bit of the first byte. */
const KEY_CERT_SIGN_MASK = 0x04;

/** Reads a certificate whose Certificate SEQUENCE is `node` inside the reader's buffer. */
export function readCertificateSummary(reader: DerReader, node: DerNode, what: string): CertificateSummary {
  reader.expect(node, Tag.SEQUENCE, what);
  const parts = reader.children(node);
  if (parts.length !== 3)
    throw new MalformedInputError(`${what} at byte ${node.start} is not an X.509 certificate`);
  const tbs = reader.expect(parts[0], Tag.SEQUENCE, `${what} tbsCertificate`);
  reader.expect(parts[1], Tag.SEQUENCE, `${what} signatureAlgorithm`);
  reader.expect(parts[2], Tag.BIT_STRING, `${what} signature`);

  const fields = reader.children(tbs);
  let i = fields[0]?.tag === Tag.CONTEXT_0 ? 1 : 0;
  const serialNode = fields[i++];
  reader.expect(fields[i++], Tag.SEQUENCE, `${what} signature algorithm`);
  const issuerNode = reader.expect(fields[i++], Tag.SEQUENCE, `${what} issuer`);
  const validity = reader.expect(fields[i++], Tag.SEQUENCE, `${what} validity`);
  const subjectNode = reader.expect(fields[i++], Tag.SEQUENCE, `${what} subject`);
  reader.expect(fields[i++], Tag.SEQUENCE, `${what} subjectPublicKeyInfo`);
  const serial = reader.integerBytes(serialNode as DerNode, `${what} serial number`);
  const [notBeforeNode, notAfterNode] = reader.children(validity);
  if (notBeforeNode === undefined || notAfterNode === undefined) {
    throw new MalformedInputError(`${what} validity is incomplete`);
  }

  let extensions: CertificateExtensions = { ski: null, aki: null, isCa: false, keyCertSign: null };
  for (; i < fields.length; i++) {
    const field = fields[i] as DerNode;
    if (field.tag !== Tag.CONTEXT_3) continue;
    extensions = readExtensions(reader, field);
  }

  return {
    der: reader.encoded(node),
    issuer: readRfc4514Name(reader, issuerNode, `${what} issuer`, true),
    issuerDer: reader.encoded(issuerNode),
    subject: readRfc4514Name(reader, subjectNode, `${what} subject`, false),
    subjectDer: reader.encoded(subjectNode),
    serialNumber: formatSerialNumber(serial),
    subjectKeyIdentifier: extensions.ski,
    authorityKeyIdentifier: extensions.aki,
    notBefore: reader.time(notBeforeNode, `${what} notBefore`),
    notAfter: reader.time(notAfterNode, `${what} notAfter`),
    isCa: extensions.isCa,
    keyCertSign: extensions.keyCertSign,
  };
}

/**
 * Reads one X.509 certificate (DER, PEM or base64) into the fields the trust store keeps. Malformed input
 * gives a PARSE_ERROR; never throws.
 */
export function parseCertificate(
  input: Uint8Array,
  options: { readonly limits?: Partial<ParseLimits> } = {},
): Result<CertificateSummary> {
  const limits = resolveParseLimits(options.limits);
  try {
    return ok(
      summarizeCertificateDer(decodeBinaryInput(input, { what: "certificate", zip: false, limits }), limits),
    );
  } catch (error) {
    return err(parseFailure("certificate", error));
  }
}

/** Reads one certificate that fills `der` exactly. */
export function summarizeCertificateDer(
  der: Uint8Array,
  limits: Pick<ParseLimits, "maxDepth" | "maxNodes">,
): CertificateSummary {
  const reader = new DerReader(der, limits);
  return readCertificateSummary(reader, reader.readWhole(0, der.length, 0, "certificate"), "certificate");
}

interface CertificateExtensions {
  ski: string | null;
  aki: string | null;
  isCa: boolean;
  keyCertSign: boolean | null;
}

/**
 * Takes SKI, AKI, basicConstraints' cA and keyUsage's keyCertSign from the extensions, each on its own: an
 * extension that a strict parser rejects (BasicConstraints with an explicit `cA FALSE`, say) must not cost us
 * the key identifiers, and a malformed one only loses that one value (a malformed basicConstraints is no CA).
 */
function readExtensions(reader: DerReader, wrapper: DerNode): CertificateExtensions {
  const found: CertificateExtensions = { ski: null, aki: null, isCa: false, keyCertSign: null };
  let extensions: DerNode[];
  try {
    const [list] = reader.children(wrapper);
    if (list === undefined || list.tag !== Tag.SEQUENCE) return found;
    extensions = reader.children(list);
  } catch (error) {
    if (error instanceof MalformedInputError && !(error instanceof DerLimitError)) return found;
    throw error;
  }
  for (const extension of extensions) {
    try {
      if (extension.tag !== Tag.SEQUENCE) continue;
      const items = reader.children(extension);
      const idNode = items[0];
      const valueNode = items[items.length - 1];
      if (idNode === undefined || valueNode === undefined || idNode.tag !== Tag.OID) continue;
      if (valueNode.tag !== Tag.OCTET_STRING) continue;
      if (oidEquals(reader.bytes, idNode, BASIC_CONSTRAINTS_OID)) {
        const inner = reader.readWhole(
          valueNode.valueStart,
          valueNode.end,
          valueNode.depth + 1,
          "basicConstraints",
        );
        const [flag] = reader.children(reader.expect(inner, Tag.SEQUENCE, "basicConstraints"));
        found.isCa =
          flag !== undefined && flag.tag === Tag.BOOLEAN && reader.boolean(flag, "basicConstraints cA");
      } else if (oidEquals(reader.bytes, idNode, KEY_USAGE_OID)) {
        const inner = reader.readWhole(valueNode.valueStart, valueNode.end, valueNode.depth + 1, "keyUsage");
        const bits = reader.value(reader.expect(inner, Tag.BIT_STRING, "keyUsage"));
        found.keyCertSign = bits.length >= 2 && ((bits[1] as number) & KEY_CERT_SIGN_MASK) !== 0;
      } else if (found.ski === null && oidEquals(reader.bytes, idNode, SKI_OID)) {
        const inner = reader.readWhole(
          valueNode.valueStart,
          valueNode.end,
          valueNode.depth + 1,
          "subjectKeyIdentifier",
        );
        if (inner.tag === Tag.OCTET_STRING) found.ski = Buffer.from(reader.value(inner)).toString("hex");
      } else if (found.aki === null && oidEquals(reader.bytes, idNode, AKI_OID)) {
        const inner = reader.readWhole(
          valueNode.valueStart,
          valueNode.end,
          valueNode.depth + 1,
          "authorityKeyIdentifier",
        );
        if (inner.tag !== Tag.SEQUENCE) continue;
        const keyId = reader.children(inner).find((n) => n.tag === Tag.CONTEXT_PRIMITIVE_0);
        if (keyId !== undefined) found.aki = Buffer.from(reader.value(keyId)).toString("hex");
      }
    } catch (error) {
      if (!(error instanceof MalformedInputError) || error instanceof DerLimitError) throw error;
    }
  }
  return found;
}

function oidEquals(bytes: Uint8Array, node: DerNode, expected: readonly number[]): boolean {
  if (node.end - node.valueStart !== expected.length) return false;
  for (let k = 0; k < expected.length; k++) {
    if (bytes[node.valueStart + k] !== expected[k]) return false;
  }
  return true;
}
