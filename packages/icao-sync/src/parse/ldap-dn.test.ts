import { describe, expect, it } from "vitest";
import { ldapDnCountry, parseLdapDn } from "./ldap-dn.js";

describe("parseLdapDn", () => {
  it("undoes the PKD's escaping of a subject inside cn and splits the multi-valued first RDN", () => {
    const rdns = parseLdapDn(
      "cn=C\\=MD\\,O\\=REGISTRU\\,OU\\=MRTD Department\\,CN\\=ePassport CSCA+sn=14375B4220500894,o=dsc,c=MD,dc=nc-data,dc=download,dc=pkd,dc=icao,dc=int",
    );
    expect(rdns[0]).toEqual([
      { type: "cn", value: "C=MD,O=REGISTRU,OU=MRTD Department,CN=ePassport CSCA" },
      { type: "sn", value: "14375B4220500894" },
    ]);
    expect(rdns.slice(1).map((rdn) => rdn.map((a) => `${a.type}=${a.value}`).join("+"))).toEqual([
      "o=dsc",
      "c=MD",
      "dc=nc-data",
      "dc=download",
      "dc=pkd",
      "dc=icao",
      "dc=int",
    ]);
    expect(ldapDnCountry(rdns)).toBe("MD");
  });

  it("decodes \\hh escapes as UTF-8 bytes", () => {
    expect(parseLdapDn("cn=Caf\\C3\\A9 \\E2\\82\\AC,c=fr")).toEqual([
      [{ type: "cn", value: "Café €" }],
      [{ type: "c", value: "fr" }],
    ]);
    expect(ldapDnCountry(parseLdapDn("cn=x,c=fr"))).toBe("FR");
  });

  it("has no country when there is no c= RDN", () => {
    expect(ldapDnCountry(parseLdapDn("dc=data,dc=download"))).toBeNull();
  });

  it.each([["cn=a,novalue"], ["cn=trailing\\"], ["=x"]])("refuses %s", (dn) => {
    expect(() => parseLdapDn(dn)).toThrow(/the DN/);
  });
});
