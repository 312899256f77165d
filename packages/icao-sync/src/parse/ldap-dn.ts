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

  const append = (text: string): void => {
    if (pendingBytes.length > 0) {
      value += Buffer.from(pendingBytes).toString("utf8");
      pendingBytes = [];
    }
    value += text;
  };
  const finishAttribute = (): void => {
    append("");
    if (!inValue || type.trim() === "") {
      throw new MalformedInputError(`the DN "${dn}" has an attribute without a type or '='`);
    }
    rdn.push({ type: type.trim(), value });
    type = "";
    value = "";
    inValue = false;
  };

  for (let i = 0; i < dn.length; i++) {
    const ch = dn[i] as string;
    if (ch === "\\") {
      const next = dn[i + 1];
      if (next === undefined) throw new MalformedInputError(`the DN "${dn}" ends with a lone backslash`);
      const pair = dn.slice(i + 1, i + 3);
      if (/^[0-9a-fA-F]{2}$/.test(pair)) {
        const code = Number.parseInt(pair, 16);
        if (inValue) pendingBytes.push(code);
        else type += String.fromCharCode(code);
        i += 2;
      } else {
        if (inValue) append(next);
        else type += next;
        i += 1;
      }
    } else if (!inValue && ch === "=") {
      inValue = true;
    } else if (ch === "+" || ch === "," || ch === ";") {
      finishAttribute();
      if (ch !== "+") {
        rdns.push(rdn);
        rdn = [];
      }
    } else if (inValue) {
      append(ch);
    } else {
      type += ch;
    }
  }
  finishAttribute();
  rdns.push(rdn);
  return rdns;
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
