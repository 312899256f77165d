import { describe, expect, it } from "vitest";
import { hostOfHeader, isLoopbackHost } from "./listen-address.js";

describe("isLoopbackHost", () => {
  it.each([
    "127.0.0.1",
    "127.1.2.3",
    "localhost",
    "LOCALHOST",
    "::1",
    "[::1]",
    "0:0:0:0:0:0:0:1",
    "::ffff:127.0.0.1",
  ])("%s is loopback", (host) => expect(isLoopbackHost(host)).toBe(true));

  it.each([
    "0.0.0.0",
    "::",
    "10.0.0.5",
    "192.168.1.1",
    "::ffff:10.0.0.1",
    "pkd-sync.internal",
    "localhost.evil.example",
    "",
  ])("%s is not", (host) => expect(isLoopbackHost(host)).toBe(false));
});

describe("hostOfHeader", () => {
  it("takes the host out of a Host header", () => {
    expect(hostOfHeader("127.0.0.1:8080")).toBe("127.0.0.1");
    expect(hostOfHeader("[::1]:80")).toBe("[::1]");
    expect(hostOfHeader("evil.example")).toBe("evil.example");
    expect(hostOfHeader(undefined)).toBeUndefined();
    expect(hostOfHeader("a b")).toBeUndefined();
  });
});
