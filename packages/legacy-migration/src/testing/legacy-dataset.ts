import { generateCertifiedEcus, premigratedCertificateMappings } from "./dataset/certificates.js";
import { generateCustomers } from "./dataset/customers.js";
import { generateDealerAccounts } from "./dataset/dealers-and-users.js";
import { deviceCatalogue } from "./dataset/device-catalogue.js";
import type { GeneratedCertificate, GeneratedMappingEntry, GeneratedRow } from "./dataset/generated-rows.js";
import { generateTechnicians } from "./dataset/technicians.js";
import { createRandom } from "./random.js";

/** Legacy tables, destination prerequisites and the mapping files the prerequisite migrations left. */
export interface LegacyDataset {
  readonly seed: string;
  readonly legacy: {
    readonly certificates: readonly GeneratedCertificate[];
    readonly ecus: readonly GeneratedRow[];
    readonly customers: readonly GeneratedRow[];
    readonly technicians: readonly GeneratedRow[];
    readonly users: readonly GeneratedRow[];
    readonly dealers: readonly GeneratedRow[];
  };
  readonly destination: {
    readonly users: readonly GeneratedRow[];
    readonly customers: readonly GeneratedRow[];
    readonly technicians: readonly GeneratedRow[];
    readonly deviceTypes: readonly GeneratedRow[];
    readonly deviceModels: readonly GeneratedRow[];
    readonly deviceVariants: readonly GeneratedRow[];
    readonly devices: readonly GeneratedRow[];
  };
  readonly mappings: {
    readonly customers: readonly GeneratedMappingEntry[];
    readonly users: readonly GeneratedMappingEntry[];
    readonly technicians: readonly GeneratedMappingEntry[];
    readonly certificates: readonly GeneratedMappingEntry[];
  };
}

/** What to generate. */
export interface LegacyDatasetOptions {
  /** How many legacy certificates. */
  readonly certificates: number;
  /** Any text or number; the same seed gives the same dataset. */
  readonly seed: string | number;
  /** Share of certificates an old run of the original tool already migrated (in certificates_mappings.json). */
  readonly premigratedShare?: number;
  /** Share of records that carry each kind of defect (zero ids, missing customers, ...). Default 0.02. */
  readonly defectShare?: number;
}

/**
 * Generates a realistic legacy dataset, deterministic from `seed`: certificates in renewal chains per ECU,
 * cancellations (and zero cancellation dates), deactivated records, NULL serials, messy speed texts, one-
 * and multi-word vehicle types with stray blanks, ECUs with leading blanks or lower case, zero dealer /
 * customer / technician ids, unmapped customers and users, unknown ECU prefixes (no device), technicians
 * shared across certificates, users with and without a technician of their own; plus the destination
 * prerequisites (users, customers, technicians, device catalogue, devices) and the mapping files.
 */
export function generateLegacyDataset(options: LegacyDatasetOptions): LegacyDataset {
  // One random sequence feeds every part in this order: reordering the calls changes every dataset.
  const random = createRandom(options.seed);
  const defect = options.defectShare ?? 0.02;
  const total = Math.max(0, Math.floor(options.certificates));
  const now = 1_735_689_600; // 2025-01-01T00:00:00Z: fixed, so datasets never depend on the clock

  const dealers = generateDealerAccounts(random, { count: Math.max(3, Math.ceil(total / 150)), defect, now });
  const customers = generateCustomers(random, {
    count: Math.max(10, Math.ceil(total / 5)),
    dealers,
    defect,
    now,
  });
  const technicians = generateTechnicians(random, { dealers, defect, now });
  const catalogue = deviceCatalogue(now);
  const fleet = generateCertifiedEcus(random, {
    total,
    defect,
    now,
    dealers,
    customers,
    technicians,
    catalogue,
  });
  const certificateMappings = premigratedCertificateMappings(random, {
    certificates: fleet.certificates,
    deviceCount: fleet.devices.length,
    dealers,
    share: options.premigratedShare ?? 0.02,
  });

  return {
    seed: String(options.seed),
    legacy: {
      certificates: fleet.certificates,
      ecus: fleet.ecus,
      customers: customers.legacy,
      technicians: technicians.legacy,
      users: dealers.legacyUsers,
      dealers: dealers.legacyDealers,
    },
    destination: {
      users: dealers.destinationUsers,
      customers: customers.destination,
      technicians: technicians.destination,
      deviceTypes: catalogue.deviceTypes,
      deviceModels: catalogue.deviceModels,
      deviceVariants: catalogue.deviceVariants,
      devices: fleet.devices,
    },
    mappings: {
      customers: customers.mappings,
      users: dealers.userMappings,
      technicians: technicians.mappings,
      certificates: certificateMappings,
    },
  };
}
