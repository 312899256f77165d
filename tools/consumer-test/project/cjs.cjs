// CommonJS consumer. The packages are ESM-only (they do not claim CommonJS support): a CommonJS
// project loads them with import(), which this checks for every package.
async function main() {
  const result = await import("@certs/result");
  const db = await import("@certs/db");
  const embedded = await import("@certs/db/embedded");
  const ct = await import("@certs/ct-export");
  const icao = await import("@certs/icao-sync");
  const legacy = await import("@certs/legacy-migration");

  const doubled = result.Result.map(result.ok(21), (n) => n * 2);
  if (!doubled.ok || doubled.value !== 42) throw new Error("CJS consumer: Result.map");
  if (!db.parseConnectionUrl("postgres://u@h/d").ok) throw new Error("CJS consumer: parseConnectionUrl");
  if (typeof embedded.startEmbeddedPostgres !== "function")
    throw new Error("CJS consumer: @certs/db/embedded");
  if (typeof ct.decodeCtEntry !== "function" || typeof icao.parseMasterList !== "function") {
    throw new Error("CJS consumer: missing exports");
  }
  if (legacy.parseSpeedLimit("120").value !== 120) throw new Error("CJS consumer: parseSpeedLimit");
  console.log("CommonJS consumer: import() of all 5 packages works");
}
main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
