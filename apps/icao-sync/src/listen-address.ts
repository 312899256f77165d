import { isIP } from "node:net";

/**
 * True for a name or address that only this machine can reach: `localhost`, 127.0.0.0/8, `::1` (also
 * written out in full, bracketed, or IPv4-mapped). A host name that merely resolves to loopback today is
 * not counted: its DNS can change.
 */
export function isLoopbackHost(host: string): boolean {
  const name = host
    .trim()
    .replace(/^\[(.*)\]$/, "$1")
    .toLowerCase();
  if (name === "localhost") return true;
  if (isIP(name) === 4) return name.startsWith("127.");
  if (isIP(name) !== 6) return false;
  // The URL parser writes an IPv6 address in its one canonical compressed form.
  const canonical = new URL(`http://[${name}]/`).hostname;
  return canonical === "[::1]" || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
}

/** The host part of a `Host` header (`127.0.0.1:8080`, `[::1]:80`, `localhost`), or undefined. */
export function hostOfHeader(header: string | undefined): string | undefined {
  if (header === undefined || header === "") return undefined;
  try {
    return new URL(`http://${header}/`).hostname;
  } catch {
    return undefined;
  }
}
