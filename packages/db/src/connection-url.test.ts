import { describe, expect, it } from "vitest";
import { formatConnectionUrl, parseConnectionUrl, type ConnectionSpec } from "./connection-url.js";

function parsed(url: string): ConnectionSpec {
  const result = parseConnectionUrl(url);
  if (!result.ok) throw new Error(`expected ${url} to parse, got: ${result.error.message}`);
  return result.value;
}

function failure(url: string): { code: string; message: string } {
  const result = parseConnectionUrl(url);
  if (result.ok) throw new Error(`expected ${url} to be rejected`);
  return result.error;
}

describe("parseConnectionUrl", () => {
  it("reads every part of a mysql URL", () => {
    expect(parsed("mysql://app:s3cret@db.example.com:3307/shop")).toEqual({
      kind: "mysql",
      flavor: "mysql",
      host: "db.example.com",
      port: 3307,
      user: "app",
      password: "s3cret",
      database: "shop",
    });
  });

  it("treats mariadb:// as MySQL-family with the mariadb flavor and port 3306 by default", () => {
    expect(parsed("mariadb://app:pw@db/shop")).toMatchObject({
      kind: "mysql",
      flavor: "mariadb",
      port: 3306,
    });
  });

  it("accepts postgres:// and postgresql:// with port 5432 by default", () => {
    expect(parsed("postgres://u:p@localhost/trust")).toMatchObject({ kind: "postgres", port: 5432 });
    expect(parsed("postgresql://u:p@localhost:6543/trust")).toMatchObject({ kind: "postgres", port: 6543 });
  });

  it("percent-decodes user, password and database", () => {
    expect(parsed("postgres://us%40er:p%3Aw%2Fd%40@h/my%20db")).toMatchObject({
      user: "us@er",
      password: "p:w/d@",
      database: "my db",
    });
  });

  it("takes the last @ as the end of the credentials, so a raw @ in a password still works", () => {
    expect(parsed("mysql://root:p@ss@127.0.0.1:3306/db")).toMatchObject({
      user: "root",
      password: "p@ss",
      host: "127.0.0.1",
    });
  });

  it("leaves the password out when the URL has none", () => {
    const spec = parsed("postgres://reader@h/db");
    expect(spec).toMatchObject({ user: "reader" });
    expect("password" in spec).toBe(false);
  });

  it("reads a bracketed IPv6 host", () => {
    expect(parsed("postgres://u:p@[::1]:5433/db")).toMatchObject({ host: "::1", port: 5433 });
  });

  it("maps ssl and sslmode parameters to a TLS mode", () => {
    expect(parsed("postgres://u:p@h/db?sslmode=require")).toMatchObject({ tls: "require" });
    expect(parsed("postgres://u:p@h/db?sslmode=verify-ca")).toMatchObject({ tls: "verify-ca" });
    expect(parsed("postgres://u:p@h/db?sslmode=verify-full")).toMatchObject({ tls: "verify-full" });
    expect(parsed("mysql://u:p@h/db?ssl-mode=VERIFY_IDENTITY")).toMatchObject({ tls: "verify-full" });
    expect(parsed("mysql://u:p@h/db?ssl=true")).toMatchObject({ tls: "verify-full" });
    expect(parsed("mysql://u:p@h/db?ssl=false")).toMatchObject({ tls: "disable" });
  });

  it("reads connectTimeout in milliseconds and connect_timeout in seconds", () => {
    expect(parsed("mysql://u:p@h/db?connectTimeout=2500")).toMatchObject({ connectTimeoutMs: 2500 });
    expect(parsed("postgres://u:p@h/db?connect_timeout=3")).toMatchObject({ connectTimeoutMs: 3000 });
  });

  it("reads embedded: URLs as the embedded PostgreSQL, with .certs/postgres by default", () => {
    expect(parsed("embedded:")).toEqual({ kind: "embedded", dataDir: ".certs/postgres" });
    expect(parsed("embedded:./var/pg")).toEqual({ kind: "embedded", dataDir: "./var/pg" });
    expect(parsed("embedded:///srv/certs/pg")).toEqual({ kind: "embedded", dataDir: "/srv/certs/pg" });
  });

  it("names an unsupported scheme and lists the supported ones", () => {
    const error = failure("mongodb://u:p@h/db");
    expect(error.code).toBe("CONFIGURATION_ERROR");
    expect(error.message).toContain("scheme 'mongodb:' is not supported");
    expect(error.message).toContain("mysql://");
    expect(error.message).toContain("postgres://");
  });

  it("names a port that is out of range or not a number", () => {
    expect(failure("mysql://u:p@h:70000/db").message).toContain(
      "port '70000' is not a number from 1 to 65535",
    );
    expect(failure("mysql://u:p@h:abc/db").message).toContain("port 'abc'");
    expect(failure("mysql://u:p@h:0/db").message).toContain("port '0'");
  });

  it("names a missing host, user or database", () => {
    expect(failure("postgres://u:p@/db").message).toContain("names no host");
    expect(failure("postgres://h/db").message).toContain("names no user");
    expect(failure("postgres://u:p@h").message).toContain("names no database");
    expect(failure("postgres://u:p@h/").message).toContain("names no database");
  });

  it("names an unknown or malformed query parameter", () => {
    expect(failure("mysql://u:p@h/db?charset=latin1").message).toContain(
      "parameter 'charset' is not supported",
    );
    expect(failure("mysql://u:p@h/db?ssl=maybe").message).toContain("ssl='maybe'");
    expect(failure("postgres://u:p@h/db?sslmode=prefer").message).toContain(
      "sslmode='prefer' is not supported",
    );
    expect(failure("postgres://u:p@h/db?connectTimeout=-5").message).toContain("connectTimeout='-5'");
    expect(failure("postgres://u:p@h/db?ssl=false&sslmode=require").message).toContain("contradict");
  });

  it("rejects text that is not a URL", () => {
    expect(failure("localhost:3306").message).toContain("scheme 'localhost:' is not supported");
    expect(failure("just words").message).toContain("has no scheme");
    expect(failure("mysql:u@h/db").message).toContain(
      "must look like mysql://USER:PASSWORD@HOST:PORT/DATABASE",
    );
  });

  it("never puts the password into an error message or its details", () => {
    for (const url of [
      "mysql://root:Hunter2Secret@h:99999/db",
      "mysql://root:Hunter2Secret@h/db?bogus=1",
      "postgres://root:Hunter2Secret@/db",
      "postgres://root:Hunter2Secret@h",
      "mysql://root:Hunter2Secret@h/db/extra",
    ]) {
      const error = failure(url);
      expect(JSON.stringify(error)).not.toContain("Hunter2Secret");
    }
  });
});

describe("formatConnectionUrl", () => {
  it("writes a URL that parses back to the same spec", () => {
    const spec = parsed("mariadb://a%20b:p%40ss@[::1]:3310/x%2Fy?sslmode=require&connectTimeout=900");
    expect(parsed(formatConnectionUrl(spec as Exclude<ConnectionSpec, { kind: "embedded" }>))).toEqual(spec);
  });
});
