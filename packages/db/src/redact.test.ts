import { describe, expect, it } from "vitest";
import { redactError, redactSecrets, redactUrl } from "./redact.js";

describe("redactUrl", () => {
  it("masks the password and keeps user, host, port, database and parameters", () => {
    expect(redactUrl("mysql://app:s3cret@db.example.com:3307/shop?ssl=true")).toBe(
      "mysql://app:***@db.example.com:3307/shop?ssl=true",
    );
  });

  it("masks a password that contains a raw @ or /", () => {
    const redacted = redactUrl("postgres://u:pa@ss/w0rd@h/db");
    expect(redacted).not.toContain("pa@ss");
    expect(redacted).not.toContain("w0rd");
    expect(redacted.startsWith("postgres://u:***@")).toBe(true);
  });

  it("leaves a URL without a password unchanged", () => {
    expect(redactUrl("postgres://reader@h:5432/db")).toBe("postgres://reader@h:5432/db");
    expect(redactUrl("embedded:./data")).toBe("embedded:./data");
  });

  it("masks a password given as a query parameter", () => {
    expect(redactUrl("postgres://h/db?user=u&password=topsecret&sslmode=require")).toBe(
      "postgres://h/db?user=u&password=***&sslmode=require",
    );
  });
});

describe("redactSecrets", () => {
  it("masks URLs inside free text", () => {
    expect(redactSecrets("connect 'mysql://root:pw123@127.0.0.1/x' failed")).toBe(
      "connect 'mysql://root:***@127.0.0.1/x' failed",
    );
  });

  it("masks key=value and JSON password members", () => {
    expect(redactSecrets("host=h password='a b c' dbname=x")).toBe("host=h password=*** dbname=x");
    expect(redactSecrets('{"user":"u","password":"q\\"uoted"}')).toBe('{"user":"u","password":"***"}');
    expect(redactSecrets("PWD=abc;UID=me")).toBe("PWD=***;UID=me");
  });

  it("masks literal secrets the caller knows about", () => {
    expect(redactSecrets("the server said: bad token Zq9!xx", ["Zq9!xx"])).toBe(
      "the server said: bad token ***",
    );
  });

  it("keeps MySQL's harmless 'using password: YES'", () => {
    const text = "Access denied for user 'root'@'localhost' (using password: YES)";
    expect(redactSecrets(text)).toBe(text);
  });
});

describe("redactError", () => {
  it("describes an error and its cause chain with every string masked", () => {
    const inner = Object.assign(new Error("login to postgres://u:innerpw@h/db refused"), { code: "28P01" });
    const outer = new Error("could not connect with password=outerpw", { cause: inner });
    const described = redactError(outer);
    const json = JSON.stringify(described);
    expect(json).not.toContain("innerpw");
    expect(json).not.toContain("outerpw");
    expect(described.message).toBe("could not connect with password=***");
    expect(described.cause?.code).toBe("28P01");
    expect(described.cause?.message).toBe("login to postgres://u:***@h/db refused");
  });

  it("describes values that are not errors", () => {
    expect(redactError("mysql://a:b@c/d")).toEqual({ name: "Error", message: "mysql://a:***@c/d" });
  });
});
