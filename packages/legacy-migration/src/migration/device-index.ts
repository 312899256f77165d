import type { DataSource } from "typeorm";
import { ecuKey, trimEcu } from "../rules/ecu.js";

/** A destination device, as the migration needs it. */
export interface DestinationDevice {
  readonly id: string;
  readonly blocked: boolean;
  /** The highest renewal count of the legacy chain of this device's ECU number (0 when unknown). */
  readonly maxRenewalCount: number;
}

/** An id kept as a number when it is one exactly (no string per row), else as text. */
export type StoredId = number | string;

/** `id` as a {@link StoredId}. */
export function storedId(id: string | number): StoredId {
  const text = String(id);
  const number = Number(text);
  return Number.isSafeInteger(number) && String(number) === text ? number : text;
}

/** Devices read a page at a time, so the whole table never sits in memory as row objects. */
const DEVICE_PAGE = 20_000;

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Sorted texts packed into one string and an offset table: a tenth of the memory of a string per entry,
 * which matters for the device cache (one entry per ECU, the largest thing a run holds).
 */
class SortedTexts {
  private constructor(
    private readonly text: string,
    private readonly offsets: Uint32Array,
  ) {}

  /** `texts` must be sorted by code units (`<`) and distinct. */
  static of(texts: readonly string[]): SortedTexts {
    const offsets = new Uint32Array(texts.length + 1);
    for (const [i, text] of texts.entries()) offsets[i + 1] = (offsets[i] as number) + text.length;
    return new SortedTexts(texts.join(""), offsets);
  }

  /** The position of `wanted`, or -1. */
  indexOf(wanted: string): number {
    let low = 0;
    let high = this.offsets.length - 2;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const order = this.compareAt(middle, wanted);
      if (order === 0) return middle;
      if (order < 0) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }

  /** Entry `index` compared with `wanted` by code units, without cutting the entry out. */
  private compareAt(index: number, wanted: string): number {
    const start = this.offsets[index] as number;
    const length = (this.offsets[index + 1] as number) - start;
    const shared = Math.min(length, wanted.length);
    for (let i = 0; i < shared; i++) {
      const difference = this.text.charCodeAt(start + i) - wanted.charCodeAt(i);
      if (difference !== 0) return difference;
    }
    return length - wanted.length;
  }
}

/**
 * Every destination device, indexed compactly: trimmed ECU numbers (sorted, packed) with each device's id and
 * its ECU's highest legacy renewal count; for the case-insensitive fallback only what the exact index cannot
 * answer: devices whose number is not in upper case, and keys several devices share.
 */
export class DeviceIndex {
  private constructor(
    private readonly ecus: SortedTexts,
    private readonly ids: readonly StoredId[],
    private readonly renewals: readonly number[],
    /** Case-insensitive key → the trimmed number of the one device that has it, when the two differ. */
    private readonly byOtherCaseKey: ReadonlyMap<string, string>,
    private readonly ambiguousKeys: ReadonlySet<string>,
    /** Ids of blocked devices (few). */
    readonly blocked: Set<string>,
  ) {}

  /**
   * Reads the devices. The renewal counts (`maxRenewal`, by ECU key) are kept only for numbers that have a
   * device: a certificate reads its count only once its device is found, and that device has the same key.
   */
  static async load(
    destination: DataSource,
    maxRenewal: ReadonlyMap<string, number>,
    pageSize = DEVICE_PAGE,
  ): Promise<DeviceIndex> {
    const byEcu = new Map<string, StoredId>();
    const byOtherCaseKey = new Map<string, string>();
    const ambiguousKeys = new Set<string>();
    const blocked = new Set<string>();
    const mark = destination.options.type === "postgres" ? "$1" : "?";
    let after: StoredId = -1;
    for (;;) {
      const rows: Array<{ id: string | number; ecu_number: string; blocked: number | string | null }> =
        await destination.query(
          `SELECT id, ecu_number, blocked FROM devices WHERE id > ${mark} ORDER BY id LIMIT ${pageSize}`,
          [after],
        );
      for (const row of rows) {
        const exact = trimEcu(row.ecu_number);
        const key = ecuKey(row.ecu_number);
        // A key another device has already (in either index) is ambiguous for the case-insensitive lookup.
        if (byEcu.has(key) || byOtherCaseKey.has(key)) ambiguousKeys.add(key);
        else if (exact !== key) byOtherCaseKey.set(key, exact);
        byEcu.set(exact, storedId(row.id)); // of two devices with the same trimmed number, the last wins
        if (Number(row.blocked ?? 0) !== 0) blocked.add(String(row.id));
      }
      const last = rows.at(-1);
      if (last === undefined || rows.length < pageSize) break;
      after = storedId(last.id);
    }
    const ecus = [...byEcu.keys()].sort(byCodeUnits);
    return new DeviceIndex(
      SortedTexts.of(ecus),
      ecus.map((ecu) => byEcu.get(ecu) as StoredId),
      ecus.map((ecu) => maxRenewal.get(ecuKey(ecu)) ?? 0),
      byOtherCaseKey,
      ambiguousKeys,
      blocked,
    );
  }

  /** The trimmed number exactly, else the one device whose number matches case-insensitively. */
  find(ecu: string): DestinationDevice | "ambiguous" | undefined {
    let index = this.ecus.indexOf(trimEcu(ecu));
    if (index < 0) {
      const key = ecuKey(ecu);
      if (this.ambiguousKeys.has(key)) return "ambiguous";
      index = this.ecus.indexOf(key);
      const exact = index < 0 ? this.byOtherCaseKey.get(key) : undefined;
      if (exact !== undefined) index = this.ecus.indexOf(exact);
    }
    if (index < 0) return undefined;
    const id = String(this.ids[index]);
    return { id, blocked: this.blocked.has(id), maxRenewalCount: this.renewals[index] ?? 0 };
  }
}
