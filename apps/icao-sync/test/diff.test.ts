import { createHash } from "node:crypto";
import type { LastSyncChanges, SyncOutcome } from "@certs/icao-sync";
import type { TestDatabase } from "@certs/testdb";
import type pg from "pg";
import { describe, expect, it } from "vitest";
import { listFlags, type Material, useTestStore } from "./material.js";
import { get, NEVER_SOON, runCli as run, serve, stop, untilReady } from "./served-app.js";

const sha256 = (der: Uint8Array) => createHash("sha256").update(der).digest("hex");

let db: TestDatabase;
let pool: pg.Pool;
let material: Material;
useTestStore("diff", (store) => ({ db, pool, material } = store));

const withLdif = () => ["run", ...listFlags(db.url, material), "--ldif", material.ldif];

/** The AL DSCs as `diff` lists them when they are removed: by issuer, then serial. */
function albanianDscLines(): string[] {
  const al = material.pki.countries.find((c) => c.code === "AL");
  return (al?.dscs ?? [])
    .map((d) => ({ serial: `0x${d.serialNumber.toString(16)}`, sha: sha256(d.der) }))
    .sort((a, b) => a.serial.localeCompare(b.serial))
    .map(
      ({ serial, sha }) =>
        `        - CN=CSCA ALB,O=Ministry of Interior,C=al, serial ${serial}, sha256 ${sha}`,
    );
}

describe("certs-icao-sync diff and the changes of run", () => {
  it("before any sync, diff says there is nothing to show and exits 0 (--json: null)", async () => {
    const text = await run(["diff", "--db", db.url]);
    expect(text.stderr).toBe("");
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^No sync has succeeded in postgres:\/\/\S+ yet, so there are no changes to show; run a sync first\.\n$/,
    );
    const json = await run(["diff", "--db", db.url, "--json"]);
    expect(json.code).toBe(0);
    expect(json.stdout).toBe("null\n");
  });

  it("the first run says everything was added, one line per table", async () => {
    const outcome = await run(withLdif());
    expect(outcome.code).toBe(0);
    const { pki } = material;
    const revoked = material.revokedEntries;
    expect(outcome.stdout).toContain(
      [
        "changes: first sync into an empty store, everything added:",
        `  root_ca                    ${pki.cscas.length} added`,
        `  dsc                        ${pki.dscs.length} added`,
        `  crls                       ${pki.crls.length} added`,
        `  revoked_certificate_list   ${revoked} added`,
      ].join("\n"),
    );
  });

  it("a run without the LDIF removes its DSCs and CRLs: per country with --verbose, in full with --json", async () => {
    const args = ["run", ...listFlags(db.url, material)];
    const verbose = await run([...args, "--verbose"]);
    expect(verbose.code).toBe(0);
    const { pki } = material;
    expect(verbose.stdout).toContain(
      ["changes against the previous store:", "  root_ca                    no change", ""].join("\n"),
    );
    expect(verbose.stdout).toContain(
      `\n  dsc                        ${pki.dscs.length} removed\n    AL       2 removed\n`,
    );
    expect(verbose.stdout).toContain("\n    (none)   2 removed\n");

    // Back, then away again with --json: the JSON outcome has the same changes, per country.
    expect((await run(withLdif())).code).toBe(0);
    const json = await run([...args, "--json"]);
    expect(json.code).toBe(0);
    const outcome = JSON.parse(json.stdout) as SyncOutcome;
    expect(outcome.changes?.tables).toEqual({
      root_ca: { added: 0, removed: 0, replaced: 0 },
      dsc: { added: 0, removed: pki.dscs.length, replaced: 0 },
      crls: { added: 0, removed: pki.crls.length, replaced: 0 },
      revoked_certificate_list: { added: 0, removed: material.revokedEntries, replaced: 0 },
    });
    expect(outcome.changes?.countries.find((c) => c.table === "dsc" && c.country === "AL")).toMatchObject({
      added: 0,
      removed: 2,
      replaced: 0,
    });
  });

  it("diff prints the last sync's changes per table, country and entry; --json the same as data", async () => {
    const last = await pool.query<{ id: string }>(
      "SELECT id FROM icao_sync_log WHERE status = 'replaced' ORDER BY finished_at DESC LIMIT 1",
    );
    const syncId = last.rows[0]?.id;
    const text = await run(["diff", "--db", db.url]);
    expect(text.code).toBe(0);
    const lines = text.stdout.split("\n");
    expect(lines[0]).toMatch(
      new RegExp(
        `^Last sync ${syncId} \\(replaced\\) finished \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z from .*list\\.ml:$`,
      ),
    );
    expect(lines.slice(1, 3)).toEqual([
      "changes against the previous store:",
      "  root_ca                    no change",
    ]);
    expect(text.stdout).toContain(["    AL       2 removed", ...albanianDscLines(), ""].join("\n"));

    const json = await run(["diff", "--db", db.url, "--json"]);
    expect(json.code).toBe(0);
    const data = JSON.parse(json.stdout) as LastSyncChanges;
    expect(data).toMatchObject({ syncId, status: "replaced", changes: { syncId, firstSync: false } });
    expect(data.changes?.tables.dsc).toEqual({ added: 0, removed: material.pki.dscs.length, replaced: 0 });
  });

  it("serve's /info carries the last sync's changes", async () => {
    const served = await serve([...listFlags(db.url, material), "--cron", NEVER_SOON]);
    try {
      await untilReady(served.url);
      const info = await get(`${served.url}/info`);
      const store = info.body.store as { lastChanges: LastSyncChanges };
      expect(store.lastChanges.status).toBe("replaced");
      expect(store.lastChanges.changes?.tables.dsc.removed).toBe(material.pki.dscs.length);
    } finally {
      await stop(served);
    }
  });
});
