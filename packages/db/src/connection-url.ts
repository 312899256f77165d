import { appError, err, ErrorCode, ok, type AppError, type Result } from "@certs/result";
import { redactUrl } from "./redact.js";

/**
 * How a connection uses TLS, as libpq names it: `disable` (plain TCP), `require` (encrypted, server
 * certificate not checked), `verify-ca` (certificate must chain to a trusted CA) or `verify-full`
 * (that, and it must name the host).
 */
export type TlsMode = "disable" | "require" | "verify-ca" | "verify-full";

/** Where a database server is and who to log in as; shared by the MySQL and PostgreSQL specs. */
export interface ServerAddress {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Absent when the URL has none (passwordless or socket-trust setups). */
  readonly password?: string;
  readonly database: string;
  /** From `ssl` / `sslmode`; absent means the driver default (no TLS unless `tls` options are passed). */
  readonly tls?: TlsMode;
  /** From `connectTimeout` (milliseconds) or `connect_timeout` (seconds, as libpq spells it). */
  readonly connectTimeoutMs?: number;
}

/** A MySQL or MariaDB server (`mysql://` or `mariadb://`), spoken to through mysql2. */
export interface MysqlConnectionSpec extends ServerAddress {
  readonly kind: "mysql";
  /** Which scheme the URL used; TypeORM enables MariaDB-only SQL (RETURNING) for `mariadb`. */
  readonly flavor: "mysql" | "mariadb";
}

/** A PostgreSQL server (`postgres://` or `postgresql://`), spoken to through pg. */
export interface PostgresConnectionSpec extends ServerAddress {
  readonly kind: "postgres";
}

/** The embedded PostgreSQL kept in a local data directory; start it with `startEmbeddedPostgres`. */
export interface EmbeddedConnectionSpec {
  readonly kind: "embedded";
  readonly dataDir: string;
}

/** A server that is already running somewhere and can be connected to. */
export type ServerConnectionSpec = MysqlConnectionSpec | PostgresConnectionSpec;

/** Everything a database URL can name. */
export type ConnectionSpec = ServerConnectionSpec | EmbeddedConnectionSpec;

/** Where the embedded PostgreSQL keeps its data when no directory is given, relative to the working directory. */
export const DEFAULT_EMBEDDED_DATA_DIR = ".certs/postgres";

/** The spec apps use when the user gives no database URL: the embedded PostgreSQL in `dataDir`. */
export function embeddedConnectionSpec(dataDir: string = DEFAULT_EMBEDDED_DATA_DIR): EmbeddedConnectionSpec {
  return { kind: "embedded", dataDir };
}

const DEFAULT_PORTS = { mysql: 3306, postgres: 5432 } as const;
const SUPPORTED = "use mysql://, mariadb://, postgres://, postgresql:// or embedded:";
const SUPPORTED_PARAMETERS = ["ssl", "sslmode", "connectTimeout", "connect_timeout"];

/**
 * Parses and validates a database URL:
 * `mysql://USER:PASSWORD@HOST:PORT/DATABASE`, the same with `mariadb://`, `postgres://` or `postgresql://`,
 * or `embedded:` / `embedded:DIRECTORY` for the embedded PostgreSQL. Query parameters: `ssl=true|false`,
 * `sslmode=disable|require|verify-ca|verify-full` (MySQL's `DISABLED|REQUIRED|VERIFY_CA|VERIFY_IDENTITY`
 * too), `connectTimeout` (ms) and `connect_timeout` (s). User, password and database are percent-decoded.
 * A URL that cannot be used is a CONFIGURATION_ERROR whose message names what is wrong and never
 * contains the password.
 */
export function parseConnectionUrl(url: string): Result<ConnectionSpec> {
  const trimmed = url.trim();
  const schemeMatch = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed);
  if (schemeMatch === null || schemeMatch[1] === undefined) {
    return configurationError(`database URL '${redactUrl(trimmed)}' has no scheme; ${SUPPORTED}`, trimmed);
  }
  const scheme = schemeMatch[1].toLowerCase();
  if (scheme === "embedded") return parseEmbedded(trimmed, trimmed.slice(schemeMatch[0].length));
  const kind =
    scheme === "mysql" || scheme === "mariadb"
      ? "mysql"
      : scheme === "postgres" || scheme === "postgresql"
        ? "postgres"
        : undefined;
  if (kind === undefined) {
    return configurationError(`database URL scheme '${scheme}:' is not supported; ${SUPPORTED}`, trimmed);
  }
  const rest = trimmed.slice(schemeMatch[0].length);
  if (!rest.startsWith("//")) {
    return configurationError(
      `database URL must look like ${scheme}://USER:PASSWORD@HOST:PORT/DATABASE, got '${redactUrl(trimmed)}'`,
      trimmed,
    );
  }
  const afterSlashes = rest.slice(2);
  const fragmentAt = afterSlashes.indexOf("#");
  const withoutFragment = fragmentAt === -1 ? afterSlashes : afterSlashes.slice(0, fragmentAt);
  const authorityEnd = firstIndexOf(withoutFragment, ["/", "?"]);
  const authority = withoutFragment.slice(0, authorityEnd);
  const pathAndQuery = withoutFragment.slice(authorityEnd);
  const queryAt = pathAndQuery.indexOf("?");
  const path = queryAt === -1 ? pathAndQuery : pathAndQuery.slice(0, queryAt);
  const query = queryAt === -1 ? "" : pathAndQuery.slice(queryAt + 1);

  // The last `@` ends the credentials, so a password with an unencoded `@` still parses.
  const at = authority.lastIndexOf("@");
  const userInfo = at === -1 ? undefined : authority.slice(0, at);
  const hostPort = at === -1 ? authority : authority.slice(at + 1);

  const credentials = parseUserInfo(userInfo, trimmed);
  if (!credentials.ok) return credentials;
  const address = parseHostPort(hostPort, DEFAULT_PORTS[kind], trimmed);
  if (!address.ok) return address;
  const database = parseDatabase(path, trimmed);
  if (!database.ok) return database;
  const parameters = parseParameters(query, trimmed);
  if (!parameters.ok) return parameters;

  const common = {
    host: address.value.host,
    port: address.value.port,
    user: credentials.value.user,
    ...(credentials.value.password === undefined ? {} : { password: credentials.value.password }),
    database: database.value,
    ...parameters.value,
  };
  if (kind === "mysql") {
    return ok({ kind, flavor: scheme === "mariadb" ? "mariadb" : "mysql", ...common });
  }
  return ok({ kind, ...common });
}

/** Formats a server spec back into a URL (with its password: redact it before showing it anywhere). */
export function formatConnectionUrl(spec: ServerConnectionSpec): string {
  const scheme = spec.kind === "mysql" ? spec.flavor : "postgres";
  const user = encodeURIComponent(spec.user);
  const password = spec.password === undefined ? "" : `:${encodeURIComponent(spec.password)}`;
  const host = spec.host.includes(":") ? `[${spec.host}]` : spec.host;
  const query: string[] = [];
  if (spec.tls !== undefined) query.push(`sslmode=${spec.tls}`);
  if (spec.connectTimeoutMs !== undefined) query.push(`connectTimeout=${spec.connectTimeoutMs}`);
  const suffix = query.length === 0 ? "" : `?${query.join("&")}`;
  return `${scheme}://${user}${password}@${host}:${spec.port}/${encodeURIComponent(spec.database)}${suffix}`;
}

function parseEmbedded(url: string, rest: string): Result<EmbeddedConnectionSpec> {
  if (/[?#]/.test(rest)) {
    return configurationError(
      `embedded database URL '${url}' takes no parameters; write embedded: or embedded:DIRECTORY`,
      url,
    );
  }
  // `embedded:///abs/dir` and `embedded://./rel` read like URLs; `embedded:./rel` is the short form.
  const dir = decode(rest.startsWith("//") ? rest.slice(2) : rest);
  if (dir === undefined) {
    return configurationError(`embedded database URL '${url}' has an invalid %-escape in its directory`, url);
  }
  return ok(embeddedConnectionSpec(dir === "" ? DEFAULT_EMBEDDED_DATA_DIR : dir));
}

function parseUserInfo(
  userInfo: string | undefined,
  url: string,
): Result<{ user: string; password: string | undefined }> {
  const shape = `write it as ${url.slice(0, url.indexOf(":"))}://USER:PASSWORD@HOST/DATABASE`;
  if (userInfo === undefined || userInfo === "") {
    return configurationError(`database URL '${redactUrl(url)}' names no user; ${shape}`, url);
  }
  const colon = userInfo.indexOf(":");
  const user = decode(colon === -1 ? userInfo : userInfo.slice(0, colon));
  const password = colon === -1 ? undefined : decode(userInfo.slice(colon + 1));
  if (user === undefined || (colon !== -1 && password === undefined)) {
    return configurationError(
      `database URL '${redactUrl(url)}' has an invalid %-escape in its user name or password`,
      url,
    );
  }
  if (user === "") return configurationError(`database URL '${redactUrl(url)}' names no user; ${shape}`, url);
  return ok({ user, password });
}

function parseHostPort(
  hostPort: string,
  defaultPort: number,
  url: string,
): Result<{ host: string; port: number }> {
  let host: string;
  let portText: string | undefined;
  if (hostPort.startsWith("[")) {
    const close = hostPort.indexOf("]");
    if (close === -1) {
      return configurationError(
        `database URL '${redactUrl(url)}' has an IPv6 host without a closing ']'`,
        url,
      );
    }
    host = hostPort.slice(1, close);
    const after = hostPort.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) {
      return configurationError(`database URL '${redactUrl(url)}' has text after its IPv6 host`, url);
    }
    portText = after === "" ? undefined : after.slice(1);
  } else {
    const colon = hostPort.lastIndexOf(":");
    host = colon === -1 ? hostPort : hostPort.slice(0, colon);
    portText = colon === -1 ? undefined : hostPort.slice(colon + 1);
  }
  if (host === "") {
    return configurationError(
      `database URL '${redactUrl(url)}' names no host; write the server's host name`,
      url,
    );
  }
  if (portText === undefined || portText === "") return ok({ host, port: defaultPort });
  const port = /^\d+$/.test(portText) ? Number(portText) : Number.NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return configurationError(
      `database URL port '${portText}' is not a number from 1 to 65535 (URL '${redactUrl(url)}')`,
      url,
    );
  }
  return ok({ host, port });
}

function parseDatabase(path: string, url: string): Result<string> {
  const raw = path.replace(/^\//, "");
  if (raw.includes("/")) {
    return configurationError(
      `database URL '${redactUrl(url)}' has more than one path segment; write only the database name after the host`,
      url,
    );
  }
  const name = decode(raw);
  if (name === undefined) {
    return configurationError(
      `database URL '${redactUrl(url)}' has an invalid %-escape in its database name`,
      url,
    );
  }
  if (name === "") {
    return configurationError(
      `database URL '${redactUrl(url)}' names no database; add it after the host, as in .../DATABASE`,
      url,
    );
  }
  return ok(name);
}

function parseParameters(query: string, url: string): Result<{ tls?: TlsMode; connectTimeoutMs?: number }> {
  const parsed: { tls?: TlsMode; connectTimeoutMs?: number } = {};
  let sslFlag: TlsMode | undefined;
  let sslMode: TlsMode | undefined;
  for (const [name, value] of new URLSearchParams(query)) {
    switch (name) {
      case "ssl": {
        const flag = value.toLowerCase();
        if (flag === "true" || flag === "1") sslFlag = "verify-full";
        else if (flag === "false" || flag === "0") sslFlag = "disable";
        else return configurationError(`database URL parameter ssl='${value}' must be true or false`, url);
        break;
      }
      case "sslmode":
      case "ssl-mode": {
        const mode = SSL_MODES[value.toLowerCase().replace(/_/g, "-")];
        if (mode === undefined) {
          return configurationError(
            `database URL parameter ${name}='${value}' is not supported; use disable, require, verify-ca or verify-full`,
            url,
          );
        }
        sslMode = mode;
        break;
      }
      case "connectTimeout":
      case "connect_timeout": {
        const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
        if (!Number.isSafeInteger(number) || number <= 0) {
          return configurationError(
            `database URL parameter ${name}='${value}' must be a whole number above 0 (${name === "connectTimeout" ? "milliseconds" : "seconds"})`,
            url,
          );
        }
        parsed.connectTimeoutMs = name === "connectTimeout" ? number : number * 1000;
        break;
      }
      default:
        return configurationError(
          `database URL parameter '${name}' is not supported; supported: ${SUPPORTED_PARAMETERS.join(", ")}`,
          url,
        );
    }
  }
  if (sslFlag !== undefined && sslMode !== undefined && (sslFlag === "disable") !== (sslMode === "disable")) {
    return configurationError(`database URL parameters ssl and sslmode contradict each other`, url);
  }
  const tls = sslMode ?? sslFlag;
  if (tls !== undefined) parsed.tls = tls;
  return ok(parsed);
}

const SSL_MODES: Readonly<Record<string, TlsMode>> = {
  disable: "disable",
  disabled: "disable",
  require: "require",
  required: "require",
  "verify-ca": "verify-ca",
  "verify-full": "verify-full",
  "verify-identity": "verify-full",
};

function firstIndexOf(text: string, needles: readonly string[]): number {
  let first = text.length;
  for (const needle of needles) {
    const at = text.indexOf(needle);
    if (at !== -1 && at < first) first = at;
  }
  return first;
}

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function configurationError(message: string, url: string): Result<never, AppError> {
  return err(appError(ErrorCode.CONFIGURATION_ERROR, message, { details: { url: redactUrl(url) } }));
}
