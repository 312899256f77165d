import { type DerNode, type DerReader, Tag } from "./der.js";
import { MalformedInputError } from "./malformed-input.js";
import { formatRfc4514, readName } from "./distinguished-name.js";
import { formatSerialNumber } from "./serial-number.js";

/** OID of CMS SignedData. */
export const SIGNED_DATA_OID = "1.2.840.113549.1.7.2";
const CONTENT_TYPE_ATTRIBUTE = "1.2.840.113549.1.9.3";
const MESSAGE_DIGEST_ATTRIBUTE = "1.2.840.113549.1.9.4";
const SIGNING_TIME_ATTRIBUTE = "1.2.840.113549.1.9.5";

/** An AlgorithmIdentifier: its OID and the DER of its parameters (null when absent). */
export interface AlgorithmIdentifier {
  readonly oid: string;
  readonly parameters: Uint8Array | null;
}

/** How a SignerInfo names its certificate. */
export type SignerIdentifier =
  | { readonly kind: "subjectKeyIdentifier"; readonly keyIdentifier: string }
  | {
      readonly kind: "issuerAndSerialNumber";
      readonly issuer: string;
      readonly issuerDer: Uint8Array;
      readonly serialNumber: string;
    };

/** The signed attributes of a SignerInfo with the three CMS attributes verification needs. */
export interface SignedAttributes {
  /** The attributes' DER re-tagged as a SET (0x31): the bytes the signature covers. */
  readonly signedBytes: Uint8Array;
  readonly contentType: string | null;
  readonly messageDigest: Uint8Array | null;
  readonly signingTime: Date | null;
  /** Attributes that violate RFC 5652 (a required attribute repeated or with several values). */
  readonly problems: readonly string[];
}

/** One SignerInfo. */
export interface SignerInfo {
  readonly version: number;
  readonly signerIdentifier: SignerIdentifier;
  readonly digestAlgorithm: AlgorithmIdentifier;
  readonly signedAttributes: SignedAttributes | null;
  readonly signatureAlgorithm: AlgorithmIdentifier;
  readonly signature: Uint8Array;
}

/** The parts of a CMS SignedData this package uses; certificates and CRLs stay as positions in the input. */
export interface SignedDataLayout {
  readonly version: number;
  readonly eContentType: string;
  /** The encapsulated content octets (the OCTET STRING's content), or null when detached. */
  readonly eContent: Uint8Array | null;
  readonly certificates: readonly DerNode[];
  readonly crls: readonly DerNode[];
  readonly signerInfos: readonly SignerInfo[];
}

/** Reads ContentInfo { signedData } filling the reader's whole buffer. */
export function readSignedData(reader: DerReader): SignedDataLayout {
  const contentInfo = reader.readWhole(0, reader.bytes.length, 0, "ContentInfo");
  reader.expect(contentInfo, Tag.SEQUENCE, "ContentInfo");
  const [typeNode, wrapper] = reader.children(contentInfo);
  const contentType = reader.oid(reader.expect(typeNode, Tag.OID, "ContentInfo contentType"), "contentType");
  if (contentType !== SIGNED_DATA_OID) {
    throw new MalformedInputError(
      `the CMS content type is ${contentType}, not SignedData (${SIGNED_DATA_OID})`,
    );
  }
  reader.expect(wrapper, Tag.CONTEXT_0, "ContentInfo content");
  const [signedData] = reader.children(wrapper as DerNode);
  const fields = reader.children(reader.expect(signedData, Tag.SEQUENCE, "SignedData"));

  const version = reader.smallInteger(reader.expect(fields[0], Tag.INTEGER, "SignedData version"), "version");
  reader.expect(fields[1], Tag.SET, "SignedData digestAlgorithms");
  const encap = reader.children(reader.expect(fields[2], Tag.SEQUENCE, "SignedData encapContentInfo"));
  const eContentType = reader.oid(reader.expect(encap[0], Tag.OID, "eContentType"), "eContentType");
  const eContent = encap[1] === undefined ? null : readEContent(reader, encap[1]);

  let certificates: DerNode[] = [];
  let crls: DerNode[] = [];
  let index = 3;
  if (fields[index]?.tag === Tag.CONTEXT_0) {
    // CertificateChoices other than a plain Certificate (attribute certificates etc.) are not ours to read.
    certificates = reader.children(fields[index] as DerNode).filter((n) => n.tag === Tag.SEQUENCE);
    index += 1;
  }
  if (fields[index]?.tag === Tag.CONTEXT_1) {
    crls = reader.children(fields[index] as DerNode).filter((n) => n.tag === Tag.SEQUENCE);
    index += 1;
  }
  const signerSet = reader.expect(fields[index], Tag.SET, "SignedData signerInfos");
  if (fields.length !== index + 1) throw new MalformedInputError("SignedData has unexpected trailing fields");
  const signerInfos = reader
    .children(signerSet)
    .map((node, i) => readSignerInfo(reader, node, `SignerInfo ${i}`));
  return { version, eContentType, eContent, certificates, crls, signerInfos };
}

function readEContent(reader: DerReader, explicit: DerNode): Uint8Array {
  reader.expect(explicit, Tag.CONTEXT_0, "eContent");
  const [octets, extra] = reader.children(explicit);
  if (octets === undefined || extra !== undefined) throw new MalformedInputError("eContent is malformed");
  if (octets.tag === Tag.OCTET_STRING) return reader.value(octets);
  // A constructed OCTET STRING (allowed in BER, seen in some CMS writers): concatenate its segments.
  reader.expect(octets, Tag.OCTET_STRING_CONSTRUCTED, "eContent");
  const segments = reader
    .children(octets)
    .map((n) => reader.value(reader.expect(n, Tag.OCTET_STRING, "eContent")));
  return Buffer.concat(segments);
}

/** Reads an AlgorithmIdentifier SEQUENCE { OID, parameters OPTIONAL }. */
export function readAlgorithmIdentifier(
  reader: DerReader,
  node: DerNode | undefined,
  what: string,
): AlgorithmIdentifier {
  const [oidNode, params, extra] = reader.children(reader.expect(node, Tag.SEQUENCE, what));
  if (extra !== undefined) throw new MalformedInputError(`${what} has unexpected fields`);
  const oid = reader.oid(reader.expect(oidNode, Tag.OID, `${what} algorithm`), what);
  return { oid, parameters: params === undefined ? null : reader.encoded(params) };
}

function readSignerInfo(reader: DerReader, node: DerNode, what: string): SignerInfo {
  const fields = reader.children(reader.expect(node, Tag.SEQUENCE, what));
  const version = reader.smallInteger(reader.expect(fields[0], Tag.INTEGER, `${what} version`), "version");
  const sidNode = fields[1];
  let signerIdentifier: SignerIdentifier;
  if (sidNode?.tag === Tag.CONTEXT_PRIMITIVE_0) {
    signerIdentifier = {
      kind: "subjectKeyIdentifier",
      keyIdentifier: Buffer.from(reader.value(sidNode)).toString("hex"),
    };
  } else {
    const [issuerNode, serialNode] = reader.children(reader.expect(sidNode, Tag.SEQUENCE, `${what} sid`));
    const issuerName = reader.expect(issuerNode, Tag.SEQUENCE, `${what} sid issuer`);
    signerIdentifier = {
      kind: "issuerAndSerialNumber",
      issuer: formatRfc4514(readName(reader, issuerName, `${what} sid issuer`)),
      issuerDer: reader.encoded(issuerName),
      serialNumber: formatSerialNumber(reader.integerBytes(serialNode as DerNode, `${what} sid serial`)),
    };
  }
  const digestAlgorithm = readAlgorithmIdentifier(reader, fields[2], `${what} digestAlgorithm`);
  let index = 3;
  let signedAttributes: SignedAttributes | null = null;
  if (fields[index]?.tag === Tag.CONTEXT_0) {
    signedAttributes = readSignedAttributes(reader, fields[index] as DerNode, what);
    index += 1;
  }
  const signatureAlgorithm = readAlgorithmIdentifier(reader, fields[index], `${what} signatureAlgorithm`);
  const signature = reader.value(reader.expect(fields[index + 1], Tag.OCTET_STRING, `${what} signature`));
  const rest = fields.slice(index + 2);
  if (rest.length > 1 || (rest[0] !== undefined && rest[0].tag !== Tag.CONTEXT_1)) {
    throw new MalformedInputError(`${what} has unexpected trailing fields`);
  }
  return { version, signerIdentifier, digestAlgorithm, signedAttributes, signatureAlgorithm, signature };
}

function readSignedAttributes(reader: DerReader, node: DerNode, what: string): SignedAttributes {
  const encoded = reader.encoded(node);
  const signedBytes = Uint8Array.from(encoded);
  // The signature covers the explicit SET OF encoding, not the [0] IMPLICIT tag it is stored under.
  signedBytes[0] = Tag.SET;
  const problems: string[] = [];
  const seen = new Map<string, DerNode[]>();
  for (const attribute of reader.children(node)) {
    const [typeNode, valuesNode] = reader.children(
      reader.expect(attribute, Tag.SEQUENCE, `${what} attribute`),
    );
    const type = reader.oid(reader.expect(typeNode, Tag.OID, `${what} attribute type`), "attribute type");
    const values = reader.children(reader.expect(valuesNode, Tag.SET, `${what} attribute values`));
    if (seen.has(type)) problems.push(`attribute ${type} appears more than once`);
    seen.set(type, values);
  }
  const single = (type: string): DerNode | null => {
    const values = seen.get(type);
    if (values === undefined) return null;
    if (values.length !== 1) {
      problems.push(`attribute ${type} has ${values.length} values`);
      return null;
    }
    return values[0] as DerNode;
  };
  const contentTypeNode = single(CONTENT_TYPE_ATTRIBUTE);
  const digestNode = single(MESSAGE_DIGEST_ATTRIBUTE);
  const timeNode = single(SIGNING_TIME_ATTRIBUTE);
  return {
    signedBytes,
    contentType: contentTypeNode === null ? null : reader.oid(contentTypeNode, "contentType attribute"),
    messageDigest:
      digestNode === null
        ? null
        : reader.value(reader.expect(digestNode, Tag.OCTET_STRING, "messageDigest attribute")),
    signingTime: timeNode === null ? null : reader.time(timeNode, "signingTime attribute"),
    problems,
  };
}
