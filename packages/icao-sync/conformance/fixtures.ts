import { readFileSync } from "node:fs";
import path from "node:path";
import { loadTrustAnchors, type TrustAnchor } from "../src/index.js";

/** A real file from the shared fixtures (never copied into the repository). */
export function fixture(name: string): Buffer {
  const dir = process.env.CERTS_FIXTURES_DIR;
  if (dir === undefined) throw new Error("CERTS_FIXTURES_DIR is not set; the root vitest config sets it");
  return readFileSync(path.join(dir, "icao", name));
}

/** The trust anchors in the named fixture files. */
export function anchors(...names: string[]): TrustAnchor[] {
  const loaded = loadTrustAnchors(names.map(fixture));
  if (!loaded.ok) throw new Error(loaded.error.message);
  return loaded.value;
}

/** The master lists and the anchor each verifies against (see fixtures/icao/SOURCES.md). */
export const masterLists = {
  icao: { file: "ICAO_ml_December2025.ml", anchor: "un-csca.pem" },
  germany: { file: "DE_ML_2025-06-25-09-31-57.ml", anchor: "DE_ROOT_CA_CSCA07.cer" },
  netherlands: { file: "NL_ML_2025-12-20.ml", anchor: "NL_ROOT_CA.cer" },
} as const;
