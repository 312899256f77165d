import type pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { parseCertificate } from "../parse/certificate-summary.js";
import type { SignerIdentifier } from "../parse/signed-data.js";
import { syncTrustStore } from "../sync/sync-trust-store.js";
import { type CountryPki, generateIcaoPki, type IcaoPki, signMasterList } from "../testing/index.js";
import { closeTestTrustStore, openTestTrustStore, unwrap } from "./test-trust-store.js";
import { TrustStoreReader } from "./trust-store-reader.js";
import { readSyncLog } from "./trust-store-repository.js";

let pki: IcaoPki;
/** The generated list without Albania's CSCAs and links: a sync of it changes rows. */
let withoutAlbania: Uint8Array;
let albanianSubject: string;
let albanianDsc: SignerIdentifier;

beforeAll(() => {
  pki = generateIcaoPki({ seed: "trust-store-reader", extraCountries: 0, rsaModulusLength: 1024 });
  const albania = pki.countries.find((c) => c.quirk === "lowercase-country") as CountryPki;
  const albanian = new Set(
    [...albania.cscas, ...albania.links].map((c) => Buffer.from(c.der).toString("hex")),
  );
  withoutAlbania = signMasterList({
    certificates: pki.certList.filter((der) => !albanian.has(Buffer.from(der).toString("hex"))),
    signer: pki.signer,
    includedCertificates: [pki.signer.der, pki.anchorRenewal.der],
    signingTime: pki.signingTime,
  });
  albanianSubject = unwrap(parseCertificate(albania.cscas[0]?.der ?? new Uint8Array())).subject;
  const dsc = unwrap(parseCertificate(albania.dscs[0]?.der ?? new Uint8Array()));
  albanianDsc = {
    kind: "issuerAndSerialNumber",
    issuer: dsc.issuer,
    issuerDer: dsc.issuerDer,
    serialNumber: dsc.serialNumber,
  };
});

/** Runs `test` against a fresh, migrated database of its own, so each test starts from an empty store. */
async function withStore(test: (pool: pg.Pool) => Promise<void>): Promise<void> {
  const store = await openTestTrustStore();
  try {
    await test(store.pool);
  } finally {
    await closeTestTrustStore(store);
  }
}

/** Syncs the whole generated PKI (list, DSCs and CRLs), or the list without Albania and no LDIF. */
let syncs = 0;
async function sync(pool: pg.Pool, store: "everything" | "without Albania"): Promise<string> {
  syncs += 1;
  const input =
    store === "everything"
      ? { masterLists: [{ name: "list.ml", bytes: pki.masterList }], ldif: [pki.ldif.dscsAndCrls] }
      : { masterLists: [{ name: "list.ml", bytes: withoutAlbania }] };
  const outcome = unwrap(
    await syncTrustStore(
      pool,
      {
        masterLists: input.masterLists,
        ldif: (input.ldif ?? []).map((text) => ({ name: "icaopkd-001.ldif", bytes: Buffer.from(text) })),
        trustAnchors: [{ name: "anchor.cer", bytes: pki.anchor.der }],
      },
      // Each sync a minute after the last: the sync log orders runs by when they finished.
      { clock: () => new Date(Date.parse("2025-07-01T00:00:00Z") + 60_000 * syncs) },
    ),
  );
  return outcome.status;
}

/** The store's version as a caller can tell it: the sync-log id of the sync whose rows the tables hold. */
async function storeVersion(pool: pg.Pool): Promise<string | undefined> {
  const log = unwrap(await readSyncLog(pool, { limit: 100 }));
  return log.find((entry) => entry.status === "replaced")?.id;
}

/** A clock the test moves by hand. */
function handClock(): { now: () => Date; advance(ms: number): void } {
  let at = Date.parse("2025-07-01T00:00:00Z");
  return { now: () => new Date(at), advance: (ms) => (at += ms) };
}

/** How many CSCAs and DSCs of Albania `reader` answers with. */
async function albanianRows(reader: TrustStoreReader): Promise<{ cscas: number; dscs: number }> {
  return {
    cscas: unwrap(await reader.cscasBySubject(albanianSubject)).length,
    dscs: unwrap(await reader.dscsBySignerIdentifier(albanianDsc)).length,
  };
}

describe("TrustStoreReader and the store version", () => {
  it("the store version changes with a sync that changes rows, and stays with a sync that changes none", () =>
    withStore(async (pool) => {
      expect(await sync(pool, "everything")).toBe("replaced");
      const first = await storeVersion(pool);
      expect(first).toBeDefined();

      expect(await sync(pool, "everything")).toBe("unchanged");
      expect(await storeVersion(pool)).toBe(first);

      expect(await sync(pool, "without Albania")).toBe("replaced");
      const second = await storeVersion(pool);
      expect(second).toBeDefined();
      expect(second).not.toBe(first);

      expect(await sync(pool, "without Albania")).toBe("unchanged");
      expect(await storeVersion(pool)).toBe(second);
    }));

  it("a reader given the store version sees a sync's new store at once, and answers from its cache while the version stays", () =>
    withStore(async (pool) => {
      expect(await sync(pool, "everything")).toBe("replaced");
      let version = await storeVersion(pool);
      // An hour of cache and a clock that never moves: only the version can make the reader read again.
      const reader = new TrustStoreReader(pool, {
        maxAgeMs: 3_600_000,
        clock: handClock().now,
        storeVersion: () => version,
      });
      const stored = await albanianRows(reader);
      expect(stored.cscas).toBeGreaterThan(0);
      expect(stored.dscs).toBeGreaterThan(0);

      // Rows removed behind the reader's back by no sync, so under the same version: its answers stand.
      await pool.query("DELETE FROM root_ca");
      await pool.query("DELETE FROM dsc");
      expect(await sync(pool, "everything")).toBe("unchanged");
      version = await storeVersion(pool);
      expect(await albanianRows(reader)).toEqual(stored);

      expect(await sync(pool, "without Albania")).toBe("replaced");
      version = await storeVersion(pool);
      expect(await albanianRows(reader)).toEqual({ cscas: 0, dscs: 0 });

      expect(await sync(pool, "everything")).toBe("replaced");
      version = await storeVersion(pool);
      expect(await albanianRows(reader)).toEqual(stored);
    }));

  it("a reader without a store version answers from the old store until maxAgeMs has passed or clear() is called", () =>
    withStore(async (pool) => {
      expect(await sync(pool, "everything")).toBe("replaced");
      const clock = handClock();
      const reader = new TrustStoreReader(pool, { maxAgeMs: 30_000, clock: clock.now });
      const stored = await albanianRows(reader);
      expect(stored.cscas).toBeGreaterThan(0);

      expect(await sync(pool, "without Albania")).toBe("replaced");
      clock.advance(30_000);
      expect(await albanianRows(reader)).toEqual(stored);
      clock.advance(1);
      expect(await albanianRows(reader)).toEqual({ cscas: 0, dscs: 0 });

      expect(await sync(pool, "everything")).toBe("replaced");
      expect(await albanianRows(reader)).toEqual({ cscas: 0, dscs: 0 });
      reader.clear();
      expect(await albanianRows(reader)).toEqual(stored);
    }));
});
