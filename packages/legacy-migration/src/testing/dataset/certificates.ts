import { DEVICE_FAMILIES } from "../../rules/ecu.js";
import type { Random } from "../random.js";
import type { Customers } from "./customers.js";
import type { DealerAccounts } from "./dealers-and-users.js";
import type { DeviceCatalogue } from "./device-catalogue.js";
import { utcText } from "./destination-rows.js";
import { EMIRATES } from "./emirates.js";
import type { GeneratedCertificate, GeneratedMappingEntry, GeneratedRow } from "./generated-rows.js";
import type { Technicians } from "./technicians.js";

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
const DAY = 86_400;

/** The legacy ECUs, the destination devices the device migration made for the known ones, and the certificates. */
export interface CertifiedEcus {
  readonly ecus: GeneratedRow[];
  readonly devices: GeneratedRow[];
  readonly certificates: GeneratedCertificate[];
}

/**
 * Generates ECUs (a few with unknown prefixes, so no device) until `total` certificates exist, each ECU with a
 * renewal chain of one to four certificates whose ids have gaps.
 */
export function generateCertifiedEcus(
  random: Random,
  options: {
    readonly total: number;
    readonly defect: number;
    readonly now: number;
    readonly dealers: DealerAccounts;
    readonly customers: Customers;
    readonly technicians: Technicians;
    readonly catalogue: DeviceCatalogue;
  },
): CertifiedEcus {
  const { total, defect, now, dealers, customers, technicians, catalogue } = options;
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
    const dealer = random.int(1, dealers.count);
    ecus.push({
      ecu,
      lock: 0,
      dealer_id: dealer,
      add_date_timestamp: "2018-06-01 12:00:00",
      ecu_added_by: 1,
      remarks: null,
    });
    const family = catalogue.familyIds.get(prefix);
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
        dealer_id: dealers.parentOfDealer.get(dealer) ?? null,
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
          dealerCount: dealers.count,
          users: dealers.usersOfDealer.get(dealer) ?? [],
          customers: customers.ofDealer.get(dealer) ?? [],
          customerCount: customers.count,
          technicians: technicians.ofDealer.get(dealer) ?? [],
          unmappedTechnicians: technicians.unmapped,
        }),
      );
      nextCertificate += random.int(1, 3); // ids have gaps, as deleted records leave
    }
  }
  return { ecus, devices, certificates };
}

/** certificates_mappings.json: a `share` of the certificates the original tool migrated, in both of its shapes. */
export function premigratedCertificateMappings(
  random: Random,
  options: {
    readonly certificates: readonly GeneratedCertificate[];
    readonly deviceCount: number;
    readonly dealers: DealerAccounts;
    readonly share: number;
  },
): GeneratedMappingEntry[] {
  const mappings: GeneratedMappingEntry[] = [];
  for (const certificate of options.certificates) {
    if (!random.chance(options.share)) continue;
    const key = String(certificate.id);
    mappings.push(
      random.chance(0.5)
        ? {
            key,
            value: {
              old_certificate_id: certificate.id,
              dealer_id: random.int(1, Math.max(1, options.deviceCount)),
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
              dealer_id: options.dealers.parentOfDealer.get(certificate.dealer_id) ?? 1,
            },
          },
    );
  }
  return mappings;
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

function vin(random: Random): string {
  const alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
  return Array.from({ length: 17 }, () => random.pick([...alphabet])).join("");
}
