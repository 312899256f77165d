import { DEVICE_FAMILIES } from "../rules/ecu.js";
import type { LegacyCertificateRow } from "../schema/legacy-schema.js";
import { createRandom, type Random } from "./random.js";

/** The five `certificate_record` dates, held as epoch seconds (0 = a zero date) or null. */
type LegacyDateColumns =
  "date_installation" | "date_calibrate" | "date_expiry" | "date_cancelation" | "date_actual_installation";

/** A generated legacy certificate: the table's columns, dates as epoch seconds (0 is a zero date). */
export type GeneratedCertificate = Omit<LegacyCertificateRow, LegacyDateColumns> & {
  [K in LegacyDateColumns]: number | null;
};

/** A generated row of any other table: column name → value. */
export type GeneratedRow = Record<string, string | number | boolean | null>;

/** One mapping-file entry, in file order. */
export interface GeneratedMappingEntry {
  readonly key: string;
  readonly value: unknown;
}

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

const VEHICLE_TYPES = [
  "Toyota Land Cruiser",
  "Toyota Hiace",
  "Nissan Patrol",
  " Nissan Patrol",
  "Mitsubishi  Fuso Canter",
  "Canter",
  "Isuzu NPR ",
  "Tata",
  "Ashok Leyland Falcon",
  "  Hyundai County",
];
const SPEEDS = ["80", "80 km/h", "100KM", "80.5", "120", " 60 kmh", "100 KM/H", "KM", "", "Speed 80"];
const UNKNOWN_PREFIXES = ["XYZ", "QQ9", "TST", "d1005e"];
const EMIRATES = ["DXB", "AUH", "SHJ", "AJM", "RAK"];
const BCRYPT_LIKE = "$2y$10$abcdefghijklmnopqrstuu5Q2m0nQ7a1X9jKx0N3s4f8HhZ6yqk1G";
const DAY = 86_400;

/** `YYYY-MM-DD HH:MM:SS` of an epoch instant in UTC (destination timestamps). */
function utcText(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 19).replace("T", " ");
}

function vin(random: Random): string {
  const alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
  return Array.from({ length: 17 }, () => random.pick([...alphabet])).join("");
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
  const random = createRandom(options.seed);
  const defect = options.defectShare ?? 0.02;
  const total = Math.max(0, Math.floor(options.certificates));
  const now = 1_735_689_600; // 2025-01-01T00:00:00Z: fixed, so datasets never depend on the clock

  // Legacy dealers and their users; destination users and user_mappings.json.
  const dealerCount = Math.max(3, Math.ceil(total / 150));
  const legacyDealers: GeneratedRow[] = [];
  const legacyUsers: GeneratedRow[] = [];
  const destinationUsers: GeneratedRow[] = [
    userRow(1, "Migration Admin", "admin@example.ae", null, "admin", now),
  ];
  const userMappingBlocks: GeneratedMappingEntry[][] = [];
  /** Legacy user ids per legacy dealer id (mapped or not). */
  const usersOfDealer = new Map<number, number[]>();
  /** Destination parent (dealer account) of each legacy dealer. */
  const parentOfDealer = new Map<number, number>();
  let nextLegacyUser = 1000;
  let nextDestinationUser = 10;

  for (let dealer = 1; dealer <= dealerCount; dealer++) {
    legacyDealers.push({
      id: dealer,
      company: `Dealer ${dealer} Speed Systems LLC`,
      email: `dealer${dealer}@dealers.example.ae`,
      phone: `04${random.int(1_000_000, 9_999_999)}`,
      mobile: `05${random.int(10_000_000, 99_999_999)}`,
      emirate: random.pick(EMIRATES),
      status: "AFC",
      salesuser: "sales",
      add_date: "2017-05-01 10:00:00",
      added_by: 1,
    });
    const block: GeneratedMappingEntry[] = [];
    let parent: number | null = null;
    if (random.chance(0.3)) {
      // An account created from dealer data (old_user_id null) comes first and becomes the parent.
      parent = nextDestinationUser;
      nextDestinationUser += random.int(1, 3);
      destinationUsers.push(
        userRow(parent, `Dealer ${dealer}`, `dealer${dealer}@dealers.example.ae`, null, null, now),
      );
      block.push({ key: String(parent), value: { old_user_id: null, dealer_id: dealer } });
    }
    const legacyIds: number[] = [];
    const userCount = random.int(1, 3);
    for (let i = 0; i < userCount; i++) {
      const legacyId = nextLegacyUser++;
      legacyIds.push(legacyId);
      const email = `user${legacyId}@dealer${dealer}.example.ae`;
      legacyUsers.push({
        id: String(legacyId),
        username: `user${legacyId}`,
        password: "legacy-secret",
        full_name: `Installer ${legacyId}`,
        company: `Dealer ${dealer} Speed Systems LLC`,
        activstate: 1,
        email,
        mobile: `05${random.int(10_000_000, 99_999_999)}`,
        usertype: "Installer",
        add_date: "2018-01-01 09:00:00",
        added_by_user_id: 1,
        forgotpassword: 0,
        access_privilege_array: "[]",
        company_local: "",
        full_name_local: "",
        cms_support_email: null,
        cms_support_mobileno: null,
        is_cms_admin: false,
      });
      // The first user of a dealer is always mapped; later ones sometimes are not (the user migration skipped them).
      if (i > 0 && random.chance(defect * 2)) continue;
      const destinationId = nextDestinationUser;
      nextDestinationUser += random.int(1, 3);
      const row = userRow(destinationId, `Installer ${legacyId}`, email, parent, `user${legacyId}`, now);
      if (random.chance(0.2)) row["phone"] = null;
      destinationUsers.push(row);
      parent ??= destinationId;
      block.push({ key: String(destinationId), value: { old_user_id: legacyId, dealer_id: dealer } });
    }
    if (parent === null) throw new Error("every dealer has a mapped user");
    parentOfDealer.set(dealer, parent);
    usersOfDealer.set(dealer, legacyIds);
    // Sometimes a non-parent account is listed first: the dealer rule then finds it and uses its parent.
    if (block.length > 1 && random.chance(0.25)) block.push(block.shift() as GeneratedMappingEntry);
    userMappingBlocks.push(block);
  }
  // One legacy user migrated twice: the later mapping wins for that user.
  const twiceMapped = usersOfDealer.get(1)?.[0];
  if (twiceMapped !== undefined) {
    const again = nextDestinationUser++;
    destinationUsers.push(
      userRow(
        again,
        `Installer ${twiceMapped} (second account)`,
        `second${twiceMapped}@dealer1.example.ae`,
        parentOfDealer.get(1) ?? null,
        null,
        now,
      ),
    );
    userMappingBlocks.push([{ key: String(again), value: { old_user_id: twiceMapped, dealer_id: 1 } }]);
  }
  // File order is not numeric order: shuffle the dealers' blocks.
  const userMappings = shuffle(random, userMappingBlocks.slice(0, -1))
    .concat(userMappingBlocks.slice(-1))
    .flat();

  // Customers: destination id = legacy id; a few were never migrated or map to 0.
  const customerCount = Math.max(10, Math.ceil(total / 5));
  const legacyCustomers: GeneratedRow[] = [];
  const destinationCustomers: GeneratedRow[] = [];
  const customerMappings: GeneratedMappingEntry[] = [];
  const customersOfDealer = new Map<number, number[]>();
  for (let id = 1; id <= customerCount; id++) {
    const dealer = random.int(1, dealerCount);
    const owner = random.pick(usersOfDealer.get(dealer) ?? [0]);
    legacyCustomers.push({
      id,
      company: `Customer ${id} Transport`,
      email: `fleet${id}@customers.example.ae`,
      o_address: `P.O. Box ${random.int(100, 99999)}, Dubai`,
      o_contactphone: `04${random.int(1_000_000, 9_999_999)}`,
      add_date: "2019-02-03 11:00:00",
      user_id: owner,
      company_local: "",
    });
    customersOfDealer.set(dealer, [...(customersOfDealer.get(dealer) ?? []), id]);
    const roll = random.next();
    if (roll < defect) continue; // never migrated: no mapping, no row
    if (roll < defect * 1.5) {
      customerMappings.push({ key: String(id), value: 0 });
      continue;
    }
    customerMappings.push({ key: String(id), value: id });
    if (roll < defect * 2) continue; // mapped, but the row is gone
    destinationCustomers.push({
      id,
      email: `fleet${id}@customers.example.ae`,
      name: `Customer ${id} Transport`,
      name_local: null,
      address: `P.O. Box ${random.int(100, 99999)}, Dubai`,
      contact_number: `04${random.int(1_000_000, 9_999_999)}`,
      user_id: owner, // the customer migration kept the legacy user id (its own defect)
      country_id: 231,
      created_at: utcText(now),
      updated_at: utcText(now),
    });
  }

  // Technicians: legacy ids kept; mapped in technicians_mapping.json; some users also have one of their own.
  const legacyTechnicians: GeneratedRow[] = [];
  const destinationTechnicians: GeneratedRow[] = [];
  const technicianMappings: GeneratedMappingEntry[] = [];
  const techniciansOfDealer = new Map<number, number[]>();
  const unmappedTechnicians: number[] = [];
  let nextTechnician = 1;
  for (let dealer = 1; dealer <= dealerCount; dealer++) {
    const ids: number[] = [];
    const count = random.int(1, 4);
    for (let i = 0; i < count; i++) {
      const id = nextTechnician++;
      ids.push(id);
      legacyTechnicians.push({
        id,
        technician_name: `Technician ${id}`,
        technician_phone: `05${random.int(10_000_000, 99_999_999)}`,
        technician_email: `tech${id}@dealer${dealer}.example.ae`,
        add_date: "2019-01-01 08:00:00",
        user_id: random.pick(usersOfDealer.get(dealer) ?? [0]),
      });
      const roll = random.next();
      if (roll < defect) {
        unmappedTechnicians.push(id); // the technician migration skipped it
        continue;
      }
      technicianMappings.push({
        key: String(id),
        value: { old_technician_id: id, dealer_id: parentOfDealer.get(dealer) },
      });
      if (roll < defect * 2) continue; // mapped, but the row was deleted since
      destinationTechnicians.push(
        technicianRow(
          id,
          `Technician ${id}`,
          `tech${id}@dealer${dealer}.example.ae`,
          parentOfDealer.get(dealer) ?? 0,
          now,
        ),
      );
    }
    techniciansOfDealer.set(dealer, ids);
  }
  // Technicians that share a user's email: in the user's dealer (found by email) or in another (must not be).
  let nextOwnTechnician = 50_000;
  for (const user of destinationUsers) {
    const id = Number(user["id"]);
    if (id === 1 || !random.chance(0.35)) continue;
    const dealer = Number(user["parent_id"] ?? id);
    // Dealer 1 is the admin account: a technician of another dealer with the same email must not be used.
    const otherDealer = random.chance(0.2);
    destinationTechnicians.push(
      technicianRow(
        nextOwnTechnician++,
        String(user["name"]),
        String(user["email"]),
        otherDealer ? 1 : dealer,
        now,
      ),
    );
  }

  // Device catalogue (device migration): one type/model/variant per family.
  const deviceTypes: GeneratedRow[] = [];
  const deviceModels: GeneratedRow[] = [];
  const deviceVariants: GeneratedRow[] = [];
  const familyIds = new Map<string, { type: number; model: number; variant: number }>();
  for (const family of DEVICE_FAMILIES) {
    let type = deviceTypes.find((t) => t["name"] === family.deviceType)?.["id"] as number | undefined;
    if (type === undefined) {
      type = deviceTypes.length + 1;
      deviceTypes.push(lookupRow(type, family.deviceType, now));
    }
    let model = deviceModels.find((m) => m["name"] === family.deviceModel)?.["id"] as number | undefined;
    if (model === undefined) {
      model = deviceModels.length + 1;
      deviceModels.push({
        ...lookupRow(model, family.deviceModel, now),
        device_type_id: type,
        approval_code: family.approvalCode,
      });
      deviceVariants.push({
        ...lookupRow(model, family.variant, now),
        description: family.variant,
        device_model_id: model,
      });
    }
    familyIds.set(family.prefix, { type, model, variant: model });
  }

  // ECUs with renewal chains, their devices, and the certificates.
  const ecus: GeneratedRow[] = [];
  const devices: GeneratedRow[] = [];
  const certificates: GeneratedCertificate[] = [];
  let nextCertificate = 1;
  let nextDevice = 1;
  const usedEcus = new Set<string>();
  while (certificates.length < total) {
    const known = !random.chance(defect * 3);
    const prefix = known ? random.pick(DEVICE_FAMILIES).prefix : random.pick(UNKNOWN_PREFIXES);
    let ecu: string;
    do ecu = `${prefix}${String(random.int(0, 999_999)).padStart(6, "0")}`;
    while (usedEcus.has(ecu.toUpperCase()));
    usedEcus.add(ecu.toUpperCase());
    const dealer = random.int(1, dealerCount);
    ecus.push({
      ecu,
      lock: 0,
      dealer_id: dealer,
      add_date_timestamp: "2018-06-01 12:00:00",
      ecu_added_by: 1,
      remarks: null,
    });
    const family = familyIds.get(prefix);
    if (family !== undefined) {
      devices.push({
        id: nextDevice++,
        ecu_number: ecu,
        device_type_id: family.type,
        device_model_id: family.model,
        device_variant_id: family.variant,
        remarks: null,
        lock: 0,
        blocked: 0,
        dealer_id: parentOfDealer.get(dealer) ?? null,
        user_id: 1,
        country_id: 231,
        created_at: utcText(now),
        updated_at: utcText(now),
      });
    }
    const chain = Math.min(total - certificates.length, random.pick([1, 1, 1, 2, 2, 3, 4]));
    const firstInstallation = random.int(1_514_764_800, 1_704_067_199); // 2018 .. 2023
    for (let renewal = 0; renewal < chain; renewal++) {
      certificates.push(
        certificateRow(random, defect, {
          id: nextCertificate,
          renewal,
          ecu,
          dealer,
          installation: firstInstallation + renewal * 365 * DAY + random.int(0, 20) * DAY,
          dealerCount,
          users: usersOfDealer.get(dealer) ?? [],
          customers: customersOfDealer.get(dealer) ?? [],
          customerCount,
          technicians: techniciansOfDealer.get(dealer) ?? [],
          unmappedTechnicians,
        }),
      );
      nextCertificate += random.int(1, 3); // ids have gaps, as deleted records leave
    }
  }

  // A few certificates were migrated by the original tool already (both of its mapping shapes).
  const certificateMappings: GeneratedMappingEntry[] = [];
  const premigrated = options.premigratedShare ?? 0.02;
  for (const certificate of certificates) {
    if (!random.chance(premigrated)) continue;
    const key = String(certificate.id);
    certificateMappings.push(
      random.chance(0.5)
        ? {
            key,
            value: {
              old_certificate_id: certificate.id,
              dealer_id: random.int(1, Math.max(1, devices.length)),
            },
          }
        : {
            key,
            value: {
              old_certificate_id: certificate.id,
              device_id: 1,
              customer_id: 1,
              technician_id: 1,
              vehicle_id: 1,
              dealer_id: parentOfDealer.get(certificate.dealer_id) ?? 1,
            },
          },
    );
  }

  return {
    seed: String(options.seed),
    legacy: {
      certificates,
      ecus,
      customers: legacyCustomers,
      technicians: legacyTechnicians,
      users: legacyUsers,
      dealers: legacyDealers,
    },
    destination: {
      users: destinationUsers,
      customers: destinationCustomers,
      technicians: destinationTechnicians,
      deviceTypes,
      deviceModels,
      deviceVariants,
      devices,
    },
    mappings: {
      customers: customerMappings,
      users: userMappings,
      technicians: technicianMappings,
      certificates: certificateMappings,
    },
  };
}

interface CertificateContext {
  readonly id: number;
  readonly renewal: number;
  readonly ecu: string;
  readonly dealer: number;
  readonly installation: number;
  readonly dealerCount: number;
  readonly users: readonly number[];
  readonly customers: readonly number[];
  readonly customerCount: number;
  readonly technicians: readonly number[];
  readonly unmappedTechnicians: readonly number[];
}

function certificateRow(random: Random, defect: number, context: CertificateContext): GeneratedCertificate {
  const ecuRoll = random.next();
  const ecu =
    ecuRoll < 0.05
      ? ` ${context.ecu}`
      : ecuRoll < 0.08
        ? `${context.ecu}  `
        : ecuRoll < 0.11
          ? context.ecu.toLowerCase()
          : context.ecu;
  const customerRoll = random.next();
  const customer =
    customerRoll < defect
      ? 0
      : customerRoll < defect * 2
        ? context.customerCount + 1 + random.int(0, 50) // a customer that was never in the legacy table
        : random.pick(context.customers.length > 0 ? context.customers : [1]);
  const dealerRoll = random.next();
  const dealer =
    dealerRoll < defect ? 0 : dealerRoll < defect * 1.5 ? context.dealerCount + 7 : context.dealer;
  const technician = (): number => {
    const roll = random.next();
    if (roll < 0.3) return 0;
    if (roll < 0.3 + defect * 2 && context.unmappedTechnicians.length > 0)
      return random.pick(context.unmappedTechnicians);
    return context.technicians.length > 0 ? random.pick(context.technicians) : 0;
  };
  const installer = random.pick(context.users);
  const calibrator = random.chance(0.6) ? installer : random.pick(context.users);
  const installationMissing = random.chance(defect / 2);
  const calibrate = context.installation + random.int(0, 2) * DAY + random.int(0, 3600);
  const cancelRoll = random.next();
  const cancellation =
    cancelRoll < 0.06 ? calibrate + random.int(10, 300) * DAY : cancelRoll < 0.06 + defect / 2 ? 0 : null;
  return {
    id: context.id,
    serialno: random.chance(0.04) ? null : 100_000 + context.id,
    ecu,
    customer_id: customer,
    installer_user_id: installer,
    caliberater_user_id: calibrator,
    installer_technician_id: technician(),
    caliberater_technician_id: technician(),
    fleet_id: "0",
    vehicle_type: random.chance(0.03) ? "" : random.pick(VEHICLE_TYPES),
    vehicle_registration: `${random.pick(EMIRATES)} ${random.pick(["A", "B", "C", "K"])} ${random.int(1000, 99999)}`,
    vehicle_chassis: vin(random),
    speed: random.pick(SPEEDS),
    kilometer: random.chance(0.1) ? null : random.int(0, 400_000),
    date_installation: installationMissing ? null : context.installation,
    date_calibrate: calibrate,
    date_expiry: calibrate + 364 * DAY,
    date_cancelation: cancellation,
    date_actual_installation: random.chance(0.5) ? context.installation : null,
    renewal_count: context.renewal,
    dealer_id: dealer,
    print_count: random.int(0, 3),
    activstate: random.chance(0.05) ? 0 : 1,
    description: random.chance(0.3) ? `Installed at ${random.pick(EMIRATES)} workshop` : null,
    updated_by_user_id: installer,
  };
}

function userRow(
  id: number,
  name: string,
  email: string,
  parent: number | null,
  username: string | null,
  now: number,
): GeneratedRow {
  return {
    id,
    name,
    email,
    parent_id: parent,
    email_verified_at: null,
    password: BCRYPT_LIKE,
    username,
    company: null,
    phone: `04${String(id).padStart(7, "0")}`,
    mobile: `05${String(id).padStart(8, "0")}`,
    emirates: "Dubai",
    timezone: "Asia/Dubai",
    state: null,
    status: "active",
    country_id: 231,
    remember_token: null,
    created_at: utcText(now),
    updated_at: utcText(now),
  };
}

function technicianRow(id: number, name: string, email: string, dealer: number, now: number): GeneratedRow {
  return {
    id,
    name,
    email,
    phone: `05${String(id).padStart(8, "0")}`,
    dealer_id: dealer,
    country_id: 231,
    created_by: null,
    created_at: utcText(now),
    updated_at: utcText(now),
  };
}

function lookupRow(id: number, name: string, now: number): GeneratedRow {
  return {
    id,
    name,
    enabled: 1,
    user_id: 1,
    country_id: 231,
    created_at: utcText(now),
    updated_at: utcText(now),
  };
}

function shuffle<T>(random: Random, items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
