// ESM consumer: a small real job with each package, through its published entry points only.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ErrorCode, Result, appError, err, ok } from "@certs/result";
import { parseConnectionUrl, redactUrl } from "@certs/db";
import { startEmbeddedPostgres } from "@certs/db/embedded";
import { decodeCtEntry } from "@certs/ct-export";
import { generateCtEntries } from "@certs/ct-export/testing";
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

// @certs/db: parse and redact a URL, then start the embedded PostgreSQL and query it.
const spec = parseConnectionUrl("mariadb://app:s3cret@db.example:3307/ct");
check(spec.ok && spec.value.port === 3307 && !redactUrl("mysql://app:s3cret@h/d").includes("s3cret"), "URL");
const dataDir = mkdtempSync(path.join(tmpdir(), "certs-consumer-pg-"));
chmodSync(dataDir, 0o755); // as root the server runs as the `postgres` user
const server = await startEmbeddedPostgres({ dataDir });
check(server.ok, `embedded PostgreSQL: ${server.ok ? "" : server.error.message}`);
const pg = (await import("pg")).default;
const client = new pg.Client({ connectionString: server.value.url });
await client.connect();
const { rows } = await client.query("SELECT 40 + 2 AS answer");
await client.end();
await server.value.stop();
rmSync(dataDir, { recursive: true, force: true });
check(rows[0].answer === 42, "embedded PostgreSQL query");

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
  `ESM consumer: all 5 packages imported and used (master list of ${list.value.cscas.length} CSCAs verified, ${decoded.value.entryType} decoded, embedded PostgreSQL answered ${rows[0].answer})`,
);
