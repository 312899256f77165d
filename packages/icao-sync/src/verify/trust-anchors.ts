import { X509Certificate } from "node:crypto";
import { appError, err, ErrorCode, ok, type Result } from "@certs/result";
import type { TrustAnchor } from "./certificate-chain.js";
import { summarizeCertificateDer } from "../parse/certificate-summary.js";
import { decodeBinaryInput, readPemBlocks } from "../parse/input-encoding.js";
import { type ParseLimits, resolveParseLimits } from "../parse/parse-limits.js";

export type { TrustAnchor } from "./certificate-chain.js";

const latin1 = new TextDecoder("latin1");

/**
 * Loads trust anchors from certificate files, each PEM (one or more `CERTIFICATE` blocks) or DER, e.g. the
 * UN CSCA for ICAO lists or `csca-germany` for BSI lists. Fails with PARSE_ERROR naming the file index when a
 * file holds no readable certificate or a key node:crypto cannot load.
 */
export function loadTrustAnchors(
  files: readonly Uint8Array[],
  options: { readonly limits?: Partial<ParseLimits> } = {},
): Result<TrustAnchor[]> {
  const limits = resolveParseLimits(options.limits);
  const anchors: TrustAnchor[] = [];
  for (const [index, file] of files.entries()) {
    let ders: Uint8Array[];
    try {
      const text =
        file[0] === 0x30 ? "" : latin1.decode(file.subarray(0, Math.min(file.length, limits.maxInputBytes)));
      ders = text.includes("-----BEGIN ")
        ? readPemBlocks(text)
            .filter(
              (b) =>
                b.label === "CERTIFICATE" ||
                b.label === "X509 CERTIFICATE" ||
                b.label === "TRUSTED CERTIFICATE",
            )
            .map((b) => b.der)
        : [decodeBinaryInput(file, { what: "trust anchor", zip: false, limits })];
    } catch (cause) {
      return err(
        appError(
          ErrorCode.PARSE_ERROR,
          `Trust anchor file ${index + 1} is neither a PEM nor a DER certificate.`,
          { cause },
        ),
      );
    }
    if (ders.length === 0) {
      return err(
        appError(ErrorCode.PARSE_ERROR, `Trust anchor file ${index + 1} holds no PEM CERTIFICATE block.`),
      );
    }
    for (const der of ders) {
      try {
        const certificate = summarizeCertificateDer(der, limits);
        const publicKey = new X509Certificate(der).publicKey;
        anchors.push({ certificate, publicKey });
      } catch (cause) {
        return err(
          appError(
            ErrorCode.PARSE_ERROR,
            `Trust anchor file ${index + 1} holds a certificate that cannot be read: ${cause instanceof Error ? cause.message : String(cause)}.`,
            { cause, details: { file: index } },
          ),
        );
      }
    }
  }
  return ok(anchors);
}
