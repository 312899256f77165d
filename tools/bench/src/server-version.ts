import { openDataSource, parseConnectionUrl } from "@certs/db";
import type { ServerKind } from "@certs/testdb/servers";

/** Asks a started server for its version string (e.g. `10.11.19-MariaDB-0+deb12u1`, `17.6`). */
export async function serverVersion(kind: ServerKind, adminUrl: string): Promise<string> {
  // The admin URL selects no database; connect to the one every server of that kind has.
  const url = new URL(adminUrl);
  url.pathname = kind === "mysql" ? "/mysql" : "/postgres";
  const spec = parseConnectionUrl(url.toString());
  if (!spec.ok) return `unknown (${spec.error.message})`;
  if (spec.value.kind === "embedded") return "unknown";
  const opened = await openDataSource(spec.value);
  if (!opened.ok) return `unknown (${opened.error.message})`;
  try {
    const sql = kind === "mysql" ? "SELECT VERSION() AS version" : "SHOW server_version";
    const rows = (await opened.value.query(sql)) as Record<string, unknown>[];
    const first = rows[0] ?? {};
    return String(first["version"] ?? first["server_version"] ?? "unknown");
  } finally {
    await opened.value.destroy();
  }
}
