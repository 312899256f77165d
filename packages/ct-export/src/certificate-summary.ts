// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API loaded first.
import "reflect-metadata";
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  Certificate,
  SubjectAlternativeName,
  TBSCertificate,
  id_ce_subjectAltName,
} from "@peculiar/asn1-x509";
import { GeneralName, X509Certificate } from "@peculiar/x509";
import { appError, ErrorCode, Result, type AppError } from "@certs/result";

/** One subject alternative name: `type` is @peculiar/x509's name (`dns`, `ip`, `email`, `url`, `dn`, ...). */
export interface SubjectAltName {
  readonly type: string;
  readonly value: string;
}

/** What a reader of a CT entry wants to know about its certificate. */
export interface CertificateSummary {
  /** RFC 4514-style distinguished name, e.g. `CN=order.nagoyabiyo.jp`. */
  readonly subject: string;
  readonly issuer: string;
  /** The subject's first common name, or null when it has none. */
  readonly commonName: string | null;
  /** Serial number as lowercase hex, as encoded (a leading `00` byte kept). */
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly subjectAltNames: readonly SubjectAltName[];
}

/** Summarises a DER X.509 certificate; `what` names it in the error message. */
export function summarizeCertificate(der: Uint8Array, what: string): Result<CertificateSummary, AppError> {
  return Result.tryCatch(
    () => summarize(new X509Certificate(toArrayBuffer(der))),
    (cause) => notDecodable(what, "an X.509 certificate", cause),
  );
}

/** Summarises a DER TBSCertificate (what a precert entry's leaf carries) by wrapping it in an unsigned certificate. */
export function summarizeTbsCertificate(der: Uint8Array, what: string): Result<CertificateSummary, AppError> {
  return Result.tryCatch(
    () => {
      const tbsCertificate = AsnConvert.parse(toArrayBuffer(der), TBSCertificate);
      const unsigned = new Certificate({
        tbsCertificate,
        signatureAlgorithm: tbsCertificate.signature,
        signatureValue: new ArrayBuffer(0),
      });
      return summarize(new X509Certificate(unsigned));
    },
    (cause) => notDecodable(what, "a TBSCertificate", cause),
  );
}

function summarize(cert: X509Certificate): CertificateSummary {
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    commonName: cert.subjectName.getField("CN")[0] ?? null,
    serialNumber: cert.serialNumber.toLowerCase(),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    subjectAltNames: subjectAltNames(cert),
  };
}

function subjectAltNames(cert: X509Certificate): SubjectAltName[] {
  const extension = cert.extensions.find((e) => e.type === id_ce_subjectAltName);
  if (extension === undefined) return [];
  const names = AsnConvert.parse(extension.value, SubjectAlternativeName);
  return names.map((name) => {
    // @peculiar/x509 has no text form for otherName, X.400 or EDI names: keep the entry, mark it opaque.
    try {
      const general = new GeneralName(name);
      return { type: general.type, value: general.value };
    } catch {
      return { type: "other", value: "" };
    }
  });
}

function notDecodable(what: string, expected: string, cause: unknown): AppError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return appError(ErrorCode.PARSE_ERROR, `${what} is not ${expected}: ${reason}.`, { cause });
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
