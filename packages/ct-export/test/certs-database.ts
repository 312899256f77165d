import { openDataSource, parseConnectionUrl } from "@certs/db";
import type { DataSource } from "typeorm";
import { CertEntity } from "../src/index.js";

/** Opens a DataSource on a test database URL (mysql:// or postgres://), with the Cert entity registered. */
export async function openCertsDataSource(url: string, poolSize = 4): Promise<DataSource> {
  const spec = parseConnectionUrl(url);
  if (!spec.ok) throw new Error(spec.error.message);
  if (spec.value.kind === "embedded") throw new Error("tests use a server URL");
  const dataSource = await openDataSource(spec.value, { entities: [CertEntity], poolSize });
  if (!dataSource.ok) throw new Error(dataSource.error.message);
  return dataSource.value;
}

/** Rows left in a table. */
export async function countRows(dataSource: DataSource, table = "certs"): Promise<number> {
  const rows = (await dataSource.query(`SELECT COUNT(*) AS n FROM ${table}`)) as { n: string | number }[];
  return Number(rows[0]?.n ?? -1);
}
