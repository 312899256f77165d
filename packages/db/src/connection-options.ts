import type { PeerCertificate } from "node:tls";
import { appError, err, ErrorCode, ok, type Result } from "@certs/result";
import type { ServerConnectionSpec } from "./connection-url.js";
import type { Logger } from "./logger.js";

/**
 * TLS material and checks for a connection, passed through to mysql2 or pg. PEM contents, not file
 * paths: reading files is the app's business. Giving these turns TLS on when the URL has no `ssl`/`sslmode`;
 * a URL with `sslmode=disable` keeps TLS off.
 */
export interface TlsOptions {
  /** Trusted CA certificates (PEM); default: Node's built-in CA list. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
  /** Client certificate and key (PEM) for servers that require one. */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** `false` accepts any server certificate; default: true, unless the URL says `sslmode=require`. */
  readonly rejectUnauthorized?: boolean;
  /** Host name to check the certificate against, when it differs from the connection host. */
  readonly servername?: string;
}

/** Settings every connection pool takes, whichever driver serves it. */
export interface ConnectionOptions {
  /** Most connections held open at once; default: the driver's (10 for both). */
  readonly poolSize?: number;
  /** How long to wait for a connection to be established; overrides the URL's `connectTimeout`. */
  readonly connectTimeoutMs?: number;
  /** Statements running longer are cancelled by the server (PostgreSQL `statement_timeout`, MariaDB `max_statement_time`, MySQL `max_execution_time` for SELECT). */
  readonly statementTimeoutMs?: number;
  readonly tls?: TlsOptions;
  /** Where connection problems noticed outside any call (an idle connection dropped) are reported. */
  readonly logger?: Logger;
}

/** Checks the numbers in `options`, naming the first that is unusable. */
export function validateConnectionOptions(options: ConnectionOptions): Result<void> {
  const checks: [string, number | undefined][] = [
    ["poolSize", options.poolSize],
    ["connectTimeoutMs", options.connectTimeoutMs],
    ["statementTimeoutMs", options.statementTimeoutMs],
  ];
  for (const [name, value] of checks) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) {
      return err(
        appError(
          ErrorCode.CONFIGURATION_ERROR,
          `database option ${name} must be a whole number above 0, got ${value}`,
        ),
      );
    }
  }
  return ok(undefined);
}

/** The subset of Node's TLS options that both mysql2 and pg accept. */
export interface DriverTlsSettings {
  rejectUnauthorized: boolean;
  ca?: string | Buffer | (string | Buffer)[];
  cert?: string | Buffer;
  key?: string | Buffer;
  servername?: string;
  checkServerIdentity?: (host: string, cert: PeerCertificate) => Error | undefined;
}

/**
 * The TLS settings for a driver from the URL's mode and the explicit options, or `undefined` for plain
 * TCP. `verify-ca` checks the chain but not the host name, as libpq does.
 */
export function tlsSettings(
  spec: ServerConnectionSpec,
  tls: TlsOptions | undefined,
): DriverTlsSettings | undefined {
  const mode = spec.tls ?? (tls === undefined ? "disable" : "verify-full");
  if (mode === "disable") return undefined;
  const settings: DriverTlsSettings = {
    rejectUnauthorized: tls?.rejectUnauthorized ?? (mode === "verify-ca" || mode === "verify-full"),
  };
  if (tls?.ca !== undefined)
    settings.ca = typeof tls.ca === "string" || Buffer.isBuffer(tls.ca) ? tls.ca : [...tls.ca];
  if (tls?.cert !== undefined) settings.cert = tls.cert;
  if (tls?.key !== undefined) settings.key = tls.key;
  if (tls?.servername !== undefined) settings.servername = tls.servername;
  if (mode === "verify-ca") settings.checkServerIdentity = () => undefined;
  return settings;
}
