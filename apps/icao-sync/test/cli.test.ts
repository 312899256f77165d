import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { InspectReport } from "@certs/icao-sync";
import type { TestDatabase } from "@certs/testdb";
import type pg from "pg";
import { describe, expect, it } from "vitest";
import { listFlags, type Material, tableCounts, tableIds, useTestStore } from "./material.js";
import { runCli as run } from "./served-app.js";

let db: TestDatabase;
let pool: pg.Pool;
let material: Material;
useTestStore("cli", (store) => ({ db, pool, material } = store));

/** The master list, LDIF and every CRL file under the anchor: the whole material. */
const everySource = () => [
  ...listFlags(db.url, material),
  "--ldif",
  material.ldif,
  ...material.crls.flatMap((crl) => ["--crl", crl]),
];

describe("certs-icao-sync", () => {
  it("--help lists the commands, and each command's help has examples", async () => {
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    for (const command of ["run", "migrate", "inspect", "serve"]) expect(help.stdout).toContain(command);
    for (const command of ["run", "migrate", "inspect", "serve"]) {
      const commandHelp = await run([command, "--help"]);
      expect(commandHelp.code).toBe(0);
      expect(commandHelp.stdout).toMatch(/Examples:\n\s+\$ certs-icao-sync /);
    }
  });

  it("refuses bad settings with one plain line naming the flag or variable, and exit code 2", async () => {
    const ml = ["--source", material.masterList];
    const cases: [string[], Record<string, string>, string][] = [
      [["run", ...ml, "--timeout-ms", "0"], {}, "--timeout-ms must be at least 1, got '0'."],
      [["run", ...ml, "--retries", "many"], {}, "--retries must be a whole number, got 'many'."],
      [["run", ...ml, "--max-bytes", "1.5"], {}, "--max-bytes must be a whole number, got '1.5'."],
      [
        ["run", ...ml],
        { CERTS_TOTAL_TIMEOUT_MS: "soon" },
        "CERTS_TOTAL_TIMEOUT_MS must be a whole number, got 'soon'.",
      ],
      [
        ["run"],
        {},
        "--source is required: give at least one master list (--source), LDIF (--ldif) or CRL (--crl).",
      ],
      [
        ["run", ...ml, "--db", "mysql://u:pw@127.0.0.1/x"],
        {},
        "--db must be a postgres:// URL: this data lives in PostgreSQL.",
      ],
      [
        ["run", ...ml],
        { CERTS_VERIFY: "perhaps" },
        "CERTS_VERIFY must be true or false (yes/no, 1/0), got 'perhaps'.",
      ],
      [
        ["run", ...ml, "--header", "no colon"],
        {},
        "--header must look like \"Name: value\", got 'no colon'.",
      ],
      [
        ["run", ...ml, "--oidc-token-url", "ftp://idp"],
        {},
        "--oidc-token-url must be an http(s) URL, got 'ftp://idp'.",
      ],
      [
        ["run", ...ml, "--oidc-client-id", "sync"],
        {},
        "--oidc-token-url is needed with the other --oidc-* settings.",
      ],
      [["serve", ...ml, "--port", "70000"], {}, "--port must be at most 65535, got '70000'."],
      [["serve", ...ml], { CERTS_PORT: "http" }, "CERTS_PORT must be a whole number, got 'http'."],
    ];
    for (const [args, env, message] of cases) {
      const outcome = await run(args, env);
      expect(outcome.code, args.join(" ")).toBe(2);
      expect(outcome.stderr).toBe(`error: CONFIGURATION_ERROR: ${message}\n`);
    }
    const cron = await run(["serve", ...ml, "--cron", "every hour"]);
    expect(cron.code).toBe(2);
    expect(cron.stderr).toMatch(/^error: CONFIGURATION_ERROR: --cron is not a cron pattern \(.*\)\.\n$/);
  });

  it("a usage error from the command line is one line and exit code 2", async () => {
    const outcome = await run(["run", "--sorce", material.masterList]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/^error: unknown option '--sorce' .*\(see certs-icao-sync --help\)\n$/);
  });

  it("migrate creates the four tables, and says so only once", async () => {
    const first = await run(["migrate", "--db", db.url]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Trust-store schema migrated to version \d+ in postgres:\/\//);
    const tables = await pool.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`,
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(["crls", "dsc", "revoked_certificate_list", "root_ca"]),
    );
    const second = await run(["migrate", "--db", db.url]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/already at version \d+ .*nothing to do/);
  });

  it("run stores the master list, LDIF and CRLs and prints the counts and the verification", async () => {
    const outcome = await run(["run", ...everySource()]);
    expect(outcome.stderr).toBe("");
    expect(outcome.code).toBe(0);
    const expected = {
      root_ca: material.pki.cscas.length,
      dsc: material.pki.dscs.length,
      crls: material.pki.crls.length,
      revoked_certificate_list: material.revokedEntries,
    };
    expect(await tableCounts(pool)).toEqual(expected);
    expect(outcome.stdout).toMatch(/^Trust store replaced in [\d.]+ s \(sync [0-9a-f-]{36}\):/);
    expect(outcome.stdout).toMatch(
      new RegExp(`\\n  root_ca +${expected.root_ca}\\n  dsc +${expected.dsc}\\n`),
    );
    expect(outcome.stdout).toContain("signature verified, chain verified; signer ");
    expect(outcome.stdout).toContain(
      `\nDSCs: ${expected.dsc} verified, 0 unverifiable, 0 invalid, 0 non-conformant (003), 0 bar code signers (not DSCs)\n`,
    );
    // Each CRL is given twice (in the LDIF and as a file), and by the real clock the generated ones are stale.
    expect(outcome.stdout).toMatch(/\nCRLs: \d+ verified, 0 refused, \d+ stale, 0 rolled back\n/);
  });

  it("a second run of the same input is skipped as unchanged", async () => {
    const before = await tableIds(pool);
    const outcome = await run(["run", "--json", ...everySource()]);
    expect(outcome.code).toBe(0);
    const summary = JSON.parse(outcome.stdout) as {
      status: string;
      skipped: boolean;
      counts: { root_ca: number };
    };
    expect(summary).toMatchObject({ status: "unchanged", skipped: true });
    expect(summary.counts.root_ca).toBe(material.pki.cscas.length);
    expect(await tableIds(pool)).toEqual(before);
  });

  it("run leaves out forged and unknown DSCs and Bar Code Signers, says so in one line each, and stores the unknown one with --keep-unverifiable-dsc", async () => {
    const hostile = path.join(material.dir, "icaopkd-001-hostile.ldif");
    await writeFile(hostile, material.pki.hostile.ldif.dscsAndBarCodeSigners);
    const base = ["run", ...listFlags(db.url, material)];
    const outcome = await run([...base, "--ldif", hostile, "--force"]);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toContain(
      "\nDSCs: 1 verified, 1 unverifiable, 1 invalid, 0 non-conformant (003), 2 bar code signers (not DSCs)\n",
    );
    expect(outcome.stdout).toContain("\nnested master lists: 0 verified, 0 untrusted\n");
    expect(outcome.stdout).toMatch(
      /\nrefused \(not stored\), 2 listed:\n {2}.*icaopkd-001-hostile\.ldif \(cn=.*: DSC \(invalid\) CN=DS AL forged,C=AL: its RSA/,
    );
    expect(outcome.stdout).toMatch(
      /\n {2}.*: DSC \(unverifiable\) CN=DS ZZ 1,C=ZZ: no trusted CSCA CN=CSCA ZZ/,
    );
    expect((await tableCounts(pool)).dsc).toBe(1);

    const kept = await run([...base, "--ldif", hostile, "--keep-unverifiable-dsc", "--json"]);
    expect(kept.code).toBe(0);
    const report = JSON.parse(kept.stdout) as { verification: { dscs: Record<string, number> } };
    expect(report.verification.dscs).toMatchObject({
      verified: 1,
      unverifiable: 1,
      invalid: 1,
      barCodeSigners: 2,
    });
    expect((await tableCounts(pool)).dsc).toBe(2);

    const strict = await run([...base, "--ldif", hostile, "--strict", "--force"]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/the DSC CN=DS AL forged,C=AL is refused: its RSA .*\(strict\)\./);
    expect((await tableCounts(pool)).dsc).toBe(2);
  });

  it("refuses a list whose signature does not verify: exit 1, one line with the way out, tables untouched", async () => {
    const before = await tableIds(pool);
    const outcome = await run(["run", ...listFlags(db.url, material, material.tampered)]);
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toBe("");
    expect(outcome.stderr.trim().split("\n")).toHaveLength(1);
    expect(outcome.stderr).toMatch(/^error: SIGNATURE_ERROR: .*tampered\.ml: .*--trust-anchor.*--no-verify/);
    expect(await tableIds(pool)).toEqual(before);
  });

  it("imports that list with --no-verify (or CERTS_VERIFY=false) and warns", async () => {
    const outcome = await run(["run", "--db", db.url, "--source", material.tampered, "--no-verify"]);
    expect(outcome.code).toBe(0);
    expect(outcome.stderr).toMatch(/verification is off/);
    expect(outcome.stdout).toContain("verification: OFF");
    expect((await tableCounts(pool)).root_ca).toBe(material.tamperedCscas);

    const again = await run(["run", "--db", db.url, "--source", material.tampered, "--force"], {
      CERTS_VERIFY: "false",
    });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^Trust store replaced/);
  });

  it("refuses sources without a certificate unless --allow-empty", async () => {
    const before = await tableIds(pool);
    const crlArgs = material.crls.flatMap((crl) => ["--crl", crl]);
    const refused = await run(["run", "--db", db.url, ...crlArgs, "--no-verify"]);
    expect(refused.code).toBe(1);
    // The last line: --no-verify (CRLs are stored only when a trusted CSCA verifies them) logs a warning first.
    expect(refused.stderr.trim().split("\n").at(-1)).toBe(
      "error: DATA_ERROR: The sources yielded no certificates; refusing to empty the trust store (--allow-empty to force).",
    );
    expect(await tableIds(pool)).toEqual(before);

    const forced = await run(["run", "--db", db.url, ...crlArgs, "--no-verify", "--allow-empty"]);
    expect(forced.code).toBe(0);
    expect(await tableCounts(pool)).toEqual({
      root_ca: 0,
      dsc: 0,
      crls: material.pki.crls.length,
      revoked_certificate_list: material.revokedEntries,
    });
  });

  it("--dry-run verifies without any database and writes nothing", async () => {
    const before = await tableIds(pool);
    // No --db: a dry run must not start the embedded PostgreSQL either (its data dir would appear here).
    const outcome = await run(
      ["run", "--dry-run", "--source", material.masterList, "--trust-anchor", material.anchor],
      {
        CERTS_DATA_DIR: `${material.dir}/must-not-exist`,
      },
    );
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toMatch(/^Dry run: nothing written/);
    expect(outcome.stdout).toMatch(new RegExp(`root_ca +${material.pki.cscas.length}\\n`));
    expect(await tableIds(pool)).toEqual(before);
    expect(existsSync(`${material.dir}/must-not-exist`)).toBe(false);
  });

  it("takes its sources from CERTS_* variables when no flag is given", async () => {
    const outcome = await run(["run", "--json"], {
      CERTS_DB_URL: db.url,
      CERTS_SOURCE: material.masterList,
      CERTS_TRUST_ANCHOR: material.anchor,
    });
    expect(outcome.code).toBe(0);
    expect(JSON.parse(outcome.stdout)).toMatchObject({ status: "replaced" });
    expect((await tableCounts(pool)).root_ca).toBe(material.pki.cscas.length);
  });

  it("names a missing source file with exit 1", async () => {
    const outcome = await run(["run", ...listFlags(db.url, material, `${material.dir}/nope.ml`)]);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/^error: FILE_ERROR: .*nope\.ml/);
  });

  it("refuses to write without --trust-anchor unless --allow-unanchored, which says the chain was not checked", async () => {
    const before = await tableIds(pool);
    const refused = await run(["run", "--db", db.url, "--source", material.masterList, "--force"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe(
      "error: SIGNATURE_ERROR: No trust anchor configured: a list signed by anyone would replace the trust store, so nothing is written; give a trust anchor with --trust-anchor (or --allow-unanchored, or --no-verify).",
    );
    expect(await tableIds(pool)).toEqual(before);

    const allowed = await run([
      "run",
      "--db",
      db.url,
      "--source",
      material.masterList,
      "--allow-unanchored",
      "--force",
      "--json",
    ]);
    expect(allowed.code).toBe(0);
    const outcome = JSON.parse(allowed.stdout) as {
      verification: { lists: { signature: string; chain: string }[] };
    };
    expect(outcome.verification.lists[0]).toMatchObject({ signature: "verified", chain: "not_checked" });
  });

  it("reports a wrong database password without printing it", async () => {
    const url = new URL(db.url);
    url.password = "not-the-password-42";
    const outcome = await run(["run", "--db", url.toString(), "--source", material.masterList]);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/^error: DATABASE_ERROR: /);
    expect(outcome.stderr).not.toContain("not-the-password-42");
  });

  it("inspect --json prints exactly the rows a sync would store, by column name", async () => {
    const outcome = await run([
      "inspect",
      material.masterList,
      material.ldif,
      "--trust-anchor",
      material.anchor,
      "--json",
    ]);
    expect(outcome.code).toBe(0);
    const report = JSON.parse(outcome.stdout) as InspectReport;
    expect(Object.keys(report).sort()).toEqual([
      "crls",
      "deviation_list",
      "dsc",
      "icao_sync_provenance",
      "revoked_certificate_list",
      "root_ca",
      "sources",
      "verification",
    ]);
    expect(report.root_ca).toHaveLength(material.pki.cscas.length);
    expect(report.dsc).toHaveLength(material.pki.dscs.length);
    expect(report.crls).toHaveLength(material.pki.crls.length);
    expect(report.revoked_certificate_list).toHaveLength(material.revokedEntries);
    const hexes = report.root_ca.map((r) => r.certificate).sort();
    expect(hexes).toEqual(material.pki.cscas.map((c) => Buffer.from(c.der).toString("hex")).sort());
    expect(report.root_ca[0]).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      certificate: expect.stringMatching(/^30[0-9a-f]+$/),
      subject_key_identifier: expect.anything(),
      authority_key_identifier: expect.anything(),
      issuer: expect.any(String),
      x_500_issuer: expect.stringMatching(/^30[0-9a-f]+$/),
      source: "icao-masterlist",
      isn: expect.stringMatching(/^-?0x[0-9a-f]+$/),
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(report.verification).toMatchObject({
      enabled: true,
      lists: [{ signature: "verified", chain: "verified" }],
    });
  });

  it("inspect prints tables for people, and refuses a bad signature with exit 1", async () => {
    const table = await run(["inspect", material.masterList, "--trust-anchor", material.anchor]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^rows that would be stored:\n {2}root_ca +\d+/);
    expect(table.stdout).toMatch(
      /\nroot_ca:\n {2}isn +subject_key_identifier +authority_key_identifier +issuer\n/,
    );
    const bad = await run(["inspect", material.tampered]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: SIGNATURE_ERROR: /m);
  });
});
