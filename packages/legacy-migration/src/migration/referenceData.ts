import { databaseError } from "@certs/db";
import { err, ok, type Result } from "@certs/result";
import type { DataSource } from "typeorm";
import type { MappingFiles, UserMapping } from "../mapping/mappingFiles.js";
import { ecuKey, trimEcu } from "../rules/ecu.js";

/** A destination user, as the resolution rules need it. */
export interface DestinationUser {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly phone: string | null;
  readonly parentId: string | null;
}

/** A destination device, as the migration needs it. */
export interface DestinationDevice {
  readonly id: string;
  readonly blocked: boolean;
  /** The highest renewal count of the legacy chain of this device's ECU number (0 when unknown). */
  readonly maxRenewalCount: number;
}

/** A device id kept as a number when it is one exactly (no object, no string per device), else as text. */
type StoredId = number | string;

function storedId(id: string | number): StoredId {
  const text = String(id);
  const number = Number(text);
  return Number.isSafeInteger(number) && String(number) === text ? number : text;
}

/** Devices read a page at a time, so the whole table never sits in memory as row objects. */
const DEVICE_PAGE = 20_000;

/**
 * Every destination device, indexed compactly (the largest cache: one device per ECU): trimmed ECU number to
 * id, plus, for the case-insensitive fallback, only what the exact index cannot answer: devices whose number
 * is not in upper case, and keys several devices share.
 */
class DeviceIndex {
  private constructor(
    private readonly byEcu: Map<string, StoredId>,
    private readonly byOtherCaseKey: Map<string, StoredId>,
    private readonly ambiguousKeys: Set<string>,
    /** Ids of blocked devices (few). */
    readonly blocked: Set<string>,
    /** Non-zero highest renewal counts by device id, not by ECU text: no second copy of every number. */
    private readonly renewal: Map<StoredId, number>,
  ) {}

  /**
   * Reads the devices. `maxRenewal` (by ECU key) is kept only for numbers that have a device: the renewal
   * count matters only to a certificate whose device was found, and that device's number has the same key.
   */
  static async load(destination: DataSource, maxRenewal: ReadonlyMap<string, number>): Promise<DeviceIndex> {
    const index = new DeviceIndex(new Map(), new Map(), new Set(), new Set(), new Map());
    let after: StoredId = -1;
    for (;;) {
      const rows: Array<{ id: string | number; ecu_number: string; blocked: number | string | null }> =
        await destination.query(
          `SELECT id, ecu_number, blocked FROM devices WHERE id > ${placeholder(destination)} ORDER BY id LIMIT ${DEVICE_PAGE}`,
          [after],
        );
      for (const row of rows) index.add(row.id, row.ecu_number, Number(row.blocked ?? 0) !== 0, maxRenewal);
      const last = rows.at(-1);
      if (last === undefined || rows.length < DEVICE_PAGE) return index;
      after = storedId(last.id);
    }
  }

  private add(
    id: string | number,
    ecu: string,
    blocked: boolean,
    maxRenewal: ReadonlyMap<string, number>,
  ): void {
    const exact = trimEcu(ecu);
    const key = ecuKey(ecu);
    // A key already taken by another device (in either index) is ambiguous for the case-insensitive lookup.
    if (this.byEcu.has(key) || this.byOtherCaseKey.has(key)) this.ambiguousKeys.add(key);
    else if (exact !== key) this.byOtherCaseKey.set(key, storedId(id));
    this.byEcu.set(exact, storedId(id));
    if (blocked) this.blocked.add(String(id));
    const renewal = maxRenewal.get(key) ?? 0;
    if (renewal !== 0) this.renewal.set(storedId(id), renewal);
  }

  /** The trimmed number exactly, else the one device whose number matches case-insensitively. */
  find(ecu: string): DestinationDevice | "ambiguous" | undefined {
    let id = this.byEcu.get(trimEcu(ecu));
    if (id === undefined) {
      const key = ecuKey(ecu);
      if (this.ambiguousKeys.has(key)) return "ambiguous";
      id = this.byEcu.get(key) ?? this.byOtherCaseKey.get(key);
    }
    if (id === undefined) return undefined;
    const text = String(id);
    return { id: text, blocked: this.blocked.has(text), maxRenewalCount: this.renewal.get(id) ?? 0 };
  }
}

function placeholder(dataSource: DataSource): string {
  return dataSource.options.type === "postgres" ? "$1" : "?";
}

/** The key technicians are found and created by: email (lower case, trimmed) and dealer (destination user id). */
export function technicianKey(email: string, dealerId: string): string {
  return `${email.trim().toLowerCase()}\u0000${dealerId}`;
}

/**
 * Everything the rules look up, loaded once before the first certificate: destination devices, users,
 * customers and technicians, the mapping files indexed the way the rules read them, and each ECU's highest
 * renewal count. Technicians the migration creates are added after their transaction commits.
 */
export class ReferenceData {
  private constructor(
    private readonly devices: DeviceIndex,
    private readonly users: Map<string, DestinationUser>,
    private readonly customerIds: Set<StoredId>,
    private readonly technicianIds: Set<string>,
    private readonly techniciansByKey: Map<string, string>,
    private readonly mappings: MappingFiles,
    private readonly userByOldUser: Map<number, UserMapping>,
    private readonly userByLegacyDealer: Map<number, UserMapping>,
    private readonly techniciansByOldId: Map<number, string[]>,
  ) {}

  /** Loads the destination caches and indexes the mapping files. */
  static async load(
    destination: DataSource,
    mappings: MappingFiles,
    maxRenewal: Map<string, number>,
  ): Promise<Result<ReferenceData>> {
    try {
      const devices = await DeviceIndex.load(destination, maxRenewal);

      const userRows: Array<{
        id: string | number;
        name: string;
        email: string;
        phone: string | null;
        parent_id: string | number | null;
      }> = await destination.query("SELECT id, name, email, phone, parent_id FROM users");
      const users = new Map<string, DestinationUser>();
      for (const row of userRows) {
        users.set(String(row.id), {
          id: String(row.id),
          name: row.name,
          email: row.email,
          phone: row.phone,
          parentId: row.parent_id === null ? null : String(row.parent_id),
        });
      }

      const customerRows: Array<{ id: string | number }> =
        await destination.query("SELECT id FROM customers");
      const customerIds = new Set(customerRows.map((row) => storedId(row.id)));

      const technicianRows: Array<{ id: string | number; email: string; dealer_id: string | number }> =
        await destination.query("SELECT id, email, dealer_id FROM technicians ORDER BY id");
      const technicianIds = new Set<string>();
      const techniciansByKey = new Map<string, string>();
      for (const row of technicianRows) {
        technicianIds.add(String(row.id));
        const key = technicianKey(row.email ?? "", String(row.dealer_id));
        if (!techniciansByKey.has(key)) techniciansByKey.set(key, String(row.id));
      }

      const userByOldUser = new Map<number, UserMapping>();
      const userByLegacyDealer = new Map<number, UserMapping>();
      for (const mapping of mappings.users) {
        if (mapping.oldUserId !== null) userByOldUser.set(mapping.oldUserId, mapping); // the last match wins
        if (!userByLegacyDealer.has(mapping.dealerId)) userByLegacyDealer.set(mapping.dealerId, mapping); // the first
      }
      const techniciansByOldId = new Map<number, string[]>();
      for (const mapping of mappings.technicians) {
        techniciansByOldId.set(mapping.oldTechnicianId, [
          ...(techniciansByOldId.get(mapping.oldTechnicianId) ?? []),
          mapping.technicianId,
        ]);
      }

      return ok(
        new ReferenceData(
          devices,
          users,
          customerIds,
          technicianIds,
          techniciansByKey,
          mappings,
          userByOldUser,
          userByLegacyDealer,
          techniciansByOldId,
        ),
      );
    } catch (error) {
      return err(databaseError(error, "could not preload devices, users, customers and technicians"));
    }
  }

  /**
   * The device of an ECU number: the trimmed number exactly, else the one device whose number matches
   * case-insensitively. `"ambiguous"` when several devices differ only by case.
   */
  device(ecu: string): DestinationDevice | "ambiguous" | undefined {
    return this.devices.find(ecu);
  }

  /** Records that a device's `blocked` flag was set by a committed transaction. */
  rememberBlockedDevice(deviceId: string): void {
    this.devices.blocked.add(deviceId);
  }

  /** The destination user with this id. */
  user(id: string): DestinationUser | undefined {
    return this.users.get(id);
  }

  /** The destination customer id customer_mappings.json gives for a legacy customer id. */
  mappedCustomer(legacyCustomerId: number): string | undefined {
    return this.mappings.customers.get(String(legacyCustomerId));
  }

  /** Whether a destination customer row exists. */
  customerExists(id: string): boolean {
    return this.customerIds.has(storedId(id));
  }

  /** The last user_mappings.json entry whose old_user_id is this legacy user. */
  userMappingOf(legacyUserId: number): UserMapping | undefined {
    return this.userByOldUser.get(legacyUserId);
  }

  /** The first user_mappings.json entry (file order) for this legacy dealer. */
  dealerMappingOf(legacyDealerId: number): UserMapping | undefined {
    return this.userByLegacyDealer.get(legacyDealerId);
  }

  /** The first technicians_mapping.json entry for this legacy technician whose technician row exists. */
  mappedTechnician(legacyTechnicianId: number): string | undefined {
    return this.techniciansByOldId.get(legacyTechnicianId)?.find((id) => this.technicianIds.has(id));
  }

  /** A technician with this email in this dealer (the lowest id), including ones created by this run. */
  technicianByEmail(email: string, dealerId: string): string | undefined {
    return this.techniciansByKey.get(technicianKey(email, dealerId));
  }

  /** Records a technician whose creation (or discovery) has committed. */
  rememberTechnician(email: string, dealerId: string, technicianId: string): void {
    this.technicianIds.add(technicianId);
    const key = technicianKey(email, dealerId);
    if (!this.techniciansByKey.has(key)) this.techniciansByKey.set(key, technicianId);
  }
}
