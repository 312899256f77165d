import {
  AsnArray,
  AsnParser,
  AsnProp,
  AsnPropTypes,
  AsnSerializer,
  AsnType,
  AsnTypeTypes,
  OctetString,
} from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { MalformedInputError } from "../parse/malformed-input.js";

/** eContentType of an LDS Security Object (ICAO 9303-10, id-icao-mrtd-security-ldsSecurityObject). */
export const LDS_SECURITY_OBJECT_OID = "2.23.136.1.1.1";

// The classes below are ASN.1 schemas; the decorators are applied as plain calls (the repo builds without decorator syntax).

/** `DataGroupHash ::= SEQUENCE { dataGroupNumber INTEGER, dataGroupHashValue OCTET STRING }`. */
export class DataGroupHashSchema {
  dataGroupNumber = 0;
  dataGroupHashValue: OctetString = new OctetString();
}
AsnProp({ type: AsnPropTypes.Integer })(DataGroupHashSchema.prototype, "dataGroupNumber");
AsnProp({ type: OctetString })(DataGroupHashSchema.prototype, "dataGroupHashValue");
AsnType({ type: AsnTypeTypes.Sequence })(DataGroupHashSchema);

/** `SEQUENCE SIZE (2..ub-DataGroups) OF DataGroupHash`. */
export class DataGroupHashesSchema extends AsnArray<DataGroupHashSchema> {}
AsnType({ type: AsnTypeTypes.Sequence, itemType: DataGroupHashSchema })(DataGroupHashesSchema);

/** `LDSVersionInfo ::= SEQUENCE { ldsVersion PrintableString, unicodeVersion PrintableString }` (LDS 1.8). */
export class LdsVersionInfoSchema {
  ldsVersion = "";
  unicodeVersion = "";
}
AsnProp({ type: AsnPropTypes.PrintableString })(LdsVersionInfoSchema.prototype, "ldsVersion");
AsnProp({ type: AsnPropTypes.PrintableString })(LdsVersionInfoSchema.prototype, "unicodeVersion");
AsnType({ type: AsnTypeTypes.Sequence })(LdsVersionInfoSchema);

/**
 * `LDSSecurityObject ::= SEQUENCE { version LDSSecurityObjectVersion, hashAlgorithm DigestAlgorithmIdentifier,
 * dataGroupHashValues SEQUENCE OF DataGroupHash, ldsVersionInfo LDSVersionInfo OPTIONAL }` (ICAO 9303-10 4.6.2).
 */
export class LdsSecurityObjectSchema {
  version = 0;
  hashAlgorithm: AlgorithmIdentifier = new AlgorithmIdentifier();
  dataGroupHashValues: DataGroupHashesSchema = new DataGroupHashesSchema();
  ldsVersionInfo?: LdsVersionInfoSchema;
}
AsnType({ type: AsnTypeTypes.Sequence })(LdsSecurityObjectSchema);
AsnProp({ type: AsnPropTypes.Integer })(LdsSecurityObjectSchema.prototype, "version");
AsnProp({ type: AlgorithmIdentifier })(LdsSecurityObjectSchema.prototype, "hashAlgorithm");
AsnProp({ type: DataGroupHashesSchema })(LdsSecurityObjectSchema.prototype, "dataGroupHashValues");
AsnProp({ type: LdsVersionInfoSchema, optional: true })(LdsSecurityObjectSchema.prototype, "ldsVersionInfo");

/** One data group hash of an LDS Security Object. */
export interface DataGroupHash {
  /** 1 to 16. */
  readonly number: number;
  readonly hash: Uint8Array;
}

/** The content of an EF.SOD: which hash each data group must have. */
export interface LdsSecurityObject {
  /** 0 (LDS 1.7) or 1 (LDS 1.8, with ldsVersionInfo). */
  readonly version: number;
  /** The OID of the hash algorithm of every data group hash. */
  readonly hashAlgorithm: string;
  readonly dataGroups: readonly DataGroupHash[];
  /** LDS and Unicode versions, e.g. `0108` and `040000`; null before LDS 1.8. */
  readonly ldsVersion: { readonly lds: string; readonly unicode: string } | null;
}

/** Reads an LDSSecurityObject DER; throws MalformedInputError when it is not one. */
export function readLdsSecurityObject(der: Uint8Array): LdsSecurityObject {
  let parsed: LdsSecurityObjectSchema;
  try {
    parsed = AsnParser.parse(der, LdsSecurityObjectSchema);
  } catch (error) {
    throw new MalformedInputError(
      `its LDS Security Object is malformed (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  // Re-encoding must give the same bytes: trailing data or a non-DER encoding is refused, not skipped.
  if (!Buffer.from(AsnSerializer.serialize(parsed)).equals(Buffer.from(der))) {
    throw new MalformedInputError("its LDS Security Object is not DER-encoded or has trailing bytes");
  }
  if (parsed.version !== 0 && parsed.version !== 1) {
    throw new MalformedInputError(`its LDS Security Object version is ${parsed.version}, not 0 or 1`);
  }
  const dataGroups: DataGroupHash[] = [];
  const seen = new Set<number>();
  for (const entry of parsed.dataGroupHashValues) {
    const number = entry.dataGroupNumber;
    if (!Number.isInteger(number) || number < 1 || number > 16) {
      throw new MalformedInputError(`its LDS Security Object names data group ${number}, not 1 to 16`);
    }
    if (seen.has(number))
      throw new MalformedInputError(`its LDS Security Object lists data group ${number} twice`);
    seen.add(number);
    dataGroups.push({ number, hash: new Uint8Array(entry.dataGroupHashValue.buffer) });
  }
  if (dataGroups.length === 0) throw new MalformedInputError("its LDS Security Object lists no data group");
  const info = parsed.ldsVersionInfo;
  return {
    version: parsed.version,
    hashAlgorithm: parsed.hashAlgorithm.algorithm,
    dataGroups,
    ldsVersion: info === undefined ? null : { lds: info.ldsVersion, unicode: info.unicodeVersion },
  };
}

/** Encodes an LDSSecurityObject (for generating test documents). */
export function writeLdsSecurityObject(content: {
  readonly hashAlgorithm: string;
  readonly dataGroups: readonly DataGroupHash[];
  readonly ldsVersion?: { readonly lds: string; readonly unicode: string } | null;
}): Uint8Array {
  const schema = new LdsSecurityObjectSchema();
  const info = content.ldsVersion ?? null;
  schema.version = info === null ? 0 : 1;
  schema.hashAlgorithm = new AlgorithmIdentifier({ algorithm: content.hashAlgorithm });
  schema.dataGroupHashValues = new DataGroupHashesSchema(
    content.dataGroups.map((group) => {
      const item = new DataGroupHashSchema();
      item.dataGroupNumber = group.number;
      item.dataGroupHashValue = new OctetString(Buffer.from(group.hash));
      return item;
    }),
  );
  if (info !== null) {
    const version = new LdsVersionInfoSchema();
    version.ldsVersion = info.lds;
    version.unicodeVersion = info.unicode;
    schema.ldsVersionInfo = version;
  }
  return new Uint8Array(AsnSerializer.serialize(schema));
}
