import { writeFile } from "node:fs/promises";
import path from "node:path";
import {
  generateSigningKey,
  type GeneratedCertificate,
  issueCertificate,
  issueDeviationListSigner,
  signDeviationList,
  simpleName,
} from "@certs/icao-sync/testing";
import type { TestDatabase } from "@certs/testdb";
import type pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { listFlags, type Material, tableIds, useTestStore } from "./material.js";
import { runCli as run } from "./served-app.js";

let db: TestDatabase;
let pool: pg.Pool;
let material: Material;
let deviationList: string;
let operatorCsca: GeneratedCertificate;
useTestStore("cli-deviation", (store) => ({ db, pool, material } = store));

beforeAll(async () => {
  const country = material.pki.countries.find((c) => c.quirk === null) ?? material.pki.countries[0];
  const csca = country?.cscas[0];
  const dsc = country?.dscs[0];
  if (csca === undefined || dsc === undefined) throw new Error("no country generated");
  const signer = issueDeviationListSigner(csca, generateSigningKey("ecdsa-p256"));
  deviationList = path.join(material.dir, "country.dvl");
  await writeFile(
    deviationList,
    signDeviationList({
      signer,
      deviations: [
        {
          dsc: { certificate: dsc, by: "issuerAndSerialNumber" },
          descriptions: [{ type: "2.23.136.1.1.7.1.1" }],
        },
      ],
    }),
  );
  operatorCsca = issueCertificate({
    subject: simpleName(["C", "QQ"], ["CN", "CSCA QQ"]),
    serialNumber: 5n,
    notBefore: new Date("2024-01-01T00:00:00Z"),
    notAfter: new Date("2036-01-01T00:00:00Z"),
    key: generateSigningKey("ecdsa-p256"),
    subjectKeyIdentifier: Uint8Array.of(1, 2, 3),
  });
});

describe("certs-icao-sync --deviation-list and --csca", () => {
  it("run stores the deviation list and the operator CSCA and says so", async () => {
    const cscaFile = path.join(material.dir, "qq.pem");
    await writeFile(
      cscaFile,
      `-----BEGIN CERTIFICATE-----\n${Buffer.from(operatorCsca.der).toString("base64")}\n-----END CERTIFICATE-----\n`,
    );
    const outcome = await run([
      "run",
      ...listFlags(db.url, material),
      "--deviation-list",
      deviationList,
      "--csca",
      cscaFile,
    ]);
    expect(outcome.stderr).toBe("");
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toMatch(
      /deviation list .*country\.dvl: 1 deviations \(1 rows\), signature verified; signer CN=Deviation List Signer/,
    );
    const rows = await pool.query<{ deviation_type: string }>("SELECT deviation_type FROM deviation_list");
    expect(rows.rows).toEqual([{ deviation_type: "2.23.136.1.1.7.1.1" }]);
    const operator = await pool.query<{ status: string }>(
      "SELECT status FROM icao_sync_provenance WHERE collection = 'csca-file'",
    );
    expect(operator.rows).toEqual([{ status: "operator" }]);
  });

  it("inspect reads a .dvl by its name and lists its deviations, in text and --json", async () => {
    const text = await run([
      "inspect",
      material.masterList,
      deviationList,
      "--trust-anchor",
      material.anchor,
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /deviation_list:\n\s+deviation_type\s+affects\s+source\n\s+2\.23\.136\.1\.1\.7\.1\.1\s+DSC 0x/,
    );
    const json = await run([
      "inspect",
      material.masterList,
      "--deviation-list",
      deviationList,
      "--trust-anchor",
      material.anchor,
      "--json",
    ]);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as {
      deviation_list: { deviation_type: string; status: string }[];
    };
    expect(report.deviation_list.map((r) => [r.deviation_type, r.status])).toEqual([
      ["2.23.136.1.1.7.1.1", "verified"],
    ]);
  });

  it("a bad --csca file or an untrusted deviation list is one line on stderr, exit 1, nothing written", async () => {
    const before = await tableIds(pool);
    const garbage = path.join(material.dir, "garbage.cer");
    await writeFile(garbage, "this is not a certificate");
    const bad = await run(["run", ...listFlags(db.url, material), "--csca", garbage, "--force"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /^error: PARSE_ERROR: Operator CSCA file .*garbage\.cer (is neither a PEM nor a DER certificate|holds a certificate that cannot be read: .*)\.\n$/,
    );

    const rogueSigner = issueDeviationListSigner(operatorCsca, generateSigningKey("ecdsa-p256"));
    const rogue = path.join(material.dir, "rogue.dvl");
    await writeFile(
      rogue,
      signDeviationList({
        signer: rogueSigner,
        deviations: [{ documentType: "P", descriptions: [{ type: "2.23.136.1.1.7.2.3" }] }],
      }),
    );
    const refused = await run(["run", ...listFlags(db.url, material), "--deviation-list", rogue, "--force"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^error: SIGNATURE_ERROR: .*rogue\.dvl: the deviation list is refused: its signer CN=Deviation List Signer,C=QQ is not issued by a trusted CSCA: .*\n$/,
    );
    expect(await tableIds(pool)).toEqual(before);
  });
});
