import { databaseError } from "@certs/db";
import { err, ok, type Result } from "@certs/result";
import type { DataSource } from "typeorm";
import type { MappingFiles, UserMapping } from "../mapping/mapping-files.js";
import { DeviceIndex, storedId, type DestinationDevice, type StoredId } from "./device-index.js";

/** A destination user, as the resolution rules need it. */
export interface DestinationUser {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly phone: string | null;
  readonly parentId: string | null;
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

      return ok(
        ReferenceData.indexing(devices, users, customerIds, technicianIds, techniciansByKey, mappings),
      );
    } catch (error) {
      return err(databaseError(error, "could not preload devices, users, customers and technicians"));
    }
  }

  private static indexing(
    devices: DeviceIndex,
    users: Map<string, DestinationUser>,
    customerIds: Set<StoredId>,
    technicianIds: Set<string>,
    techniciansByKey: Map<string, string>,
    mappings: MappingFiles,
  ): ReferenceData {
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
    return new ReferenceData(
      devices,
      users,
      customerIds,
      technicianIds,
      techniciansByKey,
      mappings,
      userByOldUser,
      userByLegacyDealer,
      techniciansByOldId,
    );
  }

  /**
   * The same destination caches (shared, not copied) read through other mapping files: what a later run
   * with more technician mappings sees, without loading devices, users and customers again.
   */
  withMappings(mappings: MappingFiles): ReferenceData {
    return ReferenceData.indexing(
      this.devices,
      this.users,
      this.customerIds,
      this.technicianIds,
      this.techniciansByKey,
      mappings,
    );
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

  /** Whether this device's `blocked` flag is set (as loaded, plus what this run blocked). */
  deviceBlocked(deviceId: string): boolean {
    return this.devices.blocked.has(deviceId);
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
