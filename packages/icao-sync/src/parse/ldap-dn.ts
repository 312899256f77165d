import { MalformedInputError } from "./malformed-input.js";

/** One `type=value` pair of an LDAP distinguished name, unescaped. */
export interface LdapAttribute {
  readonly type: string;
  readonly value: string;
}

/**
 * Parses an RFC 4514 DN string such as the ICAO PKD's `cn=C\=MD\,O\=...+sn=14375B...,o=dsc,c=MD,dc=data`
 * into RDNs (leftmost first), each a list of attributes, undoing `\c` and `\hh` escapes (`\hh` sequences
 * are UTF-8 bytes).
 */
export function parseLdapDn(dn: string): LdapAttribute[][] {
  const rdns: LdapAttribute[][] = [];
  if (dn.trim() === "") return rdns;
  let rdn: LdapAttribute[] = [];
  let type = "";
  let value = "";
  let pendingBytes: number[] = [];
  let inValue = false;
  // Start of the plain characters not yet added: they are added a run at a time, not one by one.
  let run = 0;

  const flushBytes = (): void => {
    if (pendingBytes.length > 0) {
      value += Buffer.from(pendingBytes).toString("utf8");
      pendingBytes = [];
    }
  };
  const takeRun = (end: number): void => {
    if (end <= run) return;
    if (inValue) {
      flushBytes();
      value += dn.slice(run, end);
    } else type += dn.slice(run, end);
  };
  const finishAttribute = (): void => {
    flushBytes();
    if (!inValue || type.trim() === "") {
      throw new MalformedInputError(`the DN "${dn}" has an attribute without a type or '='`);
    }
    rdn.push({ type: type.trim(), value });
    type = "";
    value = "";
    inValue = false;
  };

  for (let i = 0; i < dn.length; i++) {
    const code = dn.charCodeAt(i);
    if (code === BACKSLASH) {
      takeRun(i);
      const next = dn[i + 1];
      if (next === undefined) throw new MalformedInputError(`the DN "${dn}" ends with a lone backslash`);
      const high = hexValue(dn.charCodeAt(i + 1));
      const low = hexValue(dn.charCodeAt(i + 2));
      if (high >= 0 && low >= 0) {
        const byte = high * 16 + low;
        if (inValue) pendingBytes.push(byte);
        else type += String.fromCharCode(byte);
        i += 2;
      } else {
        if (inValue) {
          flushBytes();
          value += next;
        } else type += next;
        i += 1;
      }
      run = i + 1;
    } else if (!inValue && code === EQUALS) {
      takeRun(i);
      inValue = true;
      run = i + 1;
    } else if (code === PLUS || code === COMMA || code === SEMICOLON) {
      takeRun(i);
      finishAttribute();
      if (code !== PLUS) {
        rdns.push(rdn);
        rdn = [];
      }
      run = i + 1;
    }
  }
  takeRun(dn.length);
  finishAttribute();
  rdns.push(rdn);
  return rdns;
}

const BACKSLASH = 0x5c;
const EQUALS = 0x3d;
const PLUS = 0x2b;
const COMMA = 0x2c;
const SEMICOLON = 0x3b;

/** The value of a hex digit's character code, or -1 (NaN, past the end, included). */
function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/** The value of the first `c=` attribute (the PKD tree's country), upper-cased, or null. */
export function ldapDnCountry(rdns: readonly (readonly LdapAttribute[])[]): string | null {
  for (const rdn of rdns) {
    for (const attribute of rdn) {
      if (attribute.type.toLowerCase() === "c") return attribute.value.toUpperCase();
    }
  }
  return null;
}
