import { parseLdif } from "@certs/icao-sync";
import { describe, expect, test } from "vitest";
import { generateSyntheticPkd, skewedSplit, syntheticPkdSpec } from "./synthetic-pkd.js";

describe("synthetic PKD", () => {
  test("the LDIF holds exactly the DSCs, CRLs and revoked entries asked for, all parseable", () => {
    const spec = {
      ...syntheticPkdSpec(60),
      countries: 5,
      crls: 7,
      revokedEntries: 45,
      dscKeys: 4,
      seed: "t",
    };
    const pieces: string[] = [];
    const counts = generateSyntheticPkd(spec, (text) => pieces.push(text));
    const ldif = pieces.join("");

    const parsed = parseLdif(ldif);
    if (!parsed.ok) throw new Error(parsed.error.message);
    expect(parsed.value.dscs).toHaveLength(60);
    expect(parsed.value.crls).toHaveLength(7);
    expect(parsed.value.crls.reduce((sum, entry) => sum + entry.crl.revoked.length, 0)).toBe(45);
    expect(new Set(parsed.value.dscs.map((entry) => entry.country))).toEqual(
      new Set(["AT", "AU", "BE", "BG", "BR"]),
    );
    expect(ldif.match(/^version: 1$/gm)).toHaveLength(1);
    expect(counts).toEqual({
      dscs: 60,
      crls: 7,
      revokedEntries: 45,
      countries: 5,
      bytes: Buffer.byteLength(ldif),
    });
  });

  test("the full spec is the issue's PKD size", () => {
    expect(syntheticPkdSpec()).toMatchObject({
      dscs: 50_000,
      crls: 300,
      revokedEntries: 200_000,
      countries: 60,
    });
  });

  test("a skewed split sums to the total and gives every part its minimum", () => {
    const parts = skewedSplit(300, 60, 1);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(300);
    expect(Math.min(...parts)).toBeGreaterThanOrEqual(1);
    expect(parts[0]).toBeGreaterThan(parts[59] ?? 0);
  });
});
