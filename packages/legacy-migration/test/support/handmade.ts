import type {
  GeneratedCertificate,
  GeneratedMappingEntry,
  GeneratedRow,
  LegacyDataset,
} from "../../src/testing/index.js";

/**
 * A small hand-made world for rule tests:
 * - legacy dealer 1: users 101 (→ destination 11, the dealer's parent account) and 102 (→ 12, child of 11);
 *   legacy user 103 has no mapping. Legacy dealer 2: user 201 (→ 21). Legacy dealer 3 has no mapping.
 * - customers 501 (mapped, exists) and 502 (not mapped); 503 maps to 0.
 * - legacy technician 7 (→ destination 7, dealer 11); legacy technician 8 maps to destination 8, which is gone;
 *   technician 60 has user 12's email but belongs to dealer 21; technician 61 has user 11's email in dealer 11.
 * - devices 1 'D1005E000001', 2 'ESL000002', 3 'S100000003' (blocked already: no), 4 'DBW000004'.
 */
export const HANDMADE = {
  dealerParentUser: "11",
  childUser: "12",
  otherDealerUser: "21",
  unmappedLegacyUser: 103,
  mappedTechnician: "7",
  user11Technician: "61",
  wrongDealerTechnician: "60",
} as const;

const NOW = "2025-01-01 00:00:00";

function user(
  id: number,
  name: string,
  email: string,
  parent: number | null,
  phone: string | null,
): GeneratedRow {
  return {
    id,
    name,
    email,
    parent_id: parent,
    email_verified_at: null,
    password: "$2y$10$hash",
    username: null,
    company: null,
    phone,
    mobile: null,
    emirates: null,
    timezone: null,
    state: null,
    status: "active",
    country_id: 231,
    remember_token: null,
    created_at: NOW,
    updated_at: NOW,
  };
}

function technician(id: number, email: string, dealer: number): GeneratedRow {
  return {
    id,
    name: `Technician ${id}`,
    email,
    phone: "0500000000",
    dealer_id: dealer,
    country_id: 231,
    created_by: null,
    created_at: NOW,
    updated_at: NOW,
  };
}

function device(id: number, ecu: string): GeneratedRow {
  return {
    id,
    ecu_number: ecu,
    device_type_id: 1,
    device_model_id: 1,
    device_variant_id: 1,
    remarks: null,
    lock: 0,
    blocked: 0,
    dealer_id: 11,
    user_id: 1,
    country_id: 231,
    created_at: NOW,
    updated_at: NOW,
  };
}

/** 2024-03-01 12:00:00 in Dubai, i.e. 08:00:00 UTC, as epoch seconds. */
export const MARCH_FIRST_NOON_DUBAI = 1_709_280_000;
const DAY = 86_400;

/** A valid legacy certificate (migrates cleanly in the hand-made world), with `overrides`. */
export function certificate(id: number, overrides: Partial<GeneratedCertificate> = {}): GeneratedCertificate {
  return {
    id,
    serialno: 900_000 + id,
    ecu: "D1005E000001",
    customer_id: 501,
    installer_user_id: 101,
    caliberater_user_id: 101,
    installer_technician_id: 7,
    caliberater_technician_id: 7,
    fleet_id: "0",
    vehicle_type: "Toyota Land Cruiser",
    vehicle_registration: "DXB A 12345",
    vehicle_chassis: "JTMHV05J604123456",
    speed: "80 km/h",
    kilometer: 1200,
    date_installation: MARCH_FIRST_NOON_DUBAI,
    date_calibrate: MARCH_FIRST_NOON_DUBAI + DAY,
    date_expiry: MARCH_FIRST_NOON_DUBAI + 365 * DAY,
    date_cancelation: null,
    date_actual_installation: null,
    renewal_count: 0,
    dealer_id: 1,
    print_count: 1,
    activstate: 1,
    description: null,
    updated_by_user_id: 101,
    ...overrides,
  };
}

/** The hand-made world with these legacy certificates (and optional extra destination rows). */
export function handmadeDataset(
  certificates: GeneratedCertificate[],
  extra: { technicianMappings?: GeneratedMappingEntry[]; certificateMappings?: GeneratedMappingEntry[] } = {},
): LegacyDataset {
  const lookup = (id: number, name: string): GeneratedRow => ({
    id,
    name,
    enabled: 1,
    user_id: 1,
    country_id: 231,
    created_at: NOW,
    updated_at: NOW,
  });
  return {
    seed: "handmade",
    legacy: {
      certificates,
      ecus: [],
      customers: [],
      technicians: [],
      users: [],
      dealers: [],
    },
    destination: {
      users: [
        user(1, "Admin", "admin@example.ae", null, null),
        user(11, "Dealer One Owner", "owner@dealer1.ae", null, "041111111"),
        user(12, "Dealer One Installer", "Installer@Dealer1.ae", 11, null),
        user(21, "Dealer Two Owner", "owner@dealer2.ae", null, "042222222"),
      ],
      customers: [
        {
          id: 501,
          email: "c501@example.ae",
          name: "Customer 501",
          name_local: null,
          address: "Dubai",
          contact_number: "04",
          user_id: 101,
          country_id: 231,
          created_at: NOW,
          updated_at: NOW,
        },
      ],
      technicians: [
        technician(7, "tech7@dealer1.ae", 11),
        technician(60, "installer@dealer1.ae", 21),
        technician(61, "owner@dealer1.ae", 11),
      ],
      deviceTypes: [lookup(1, "Fuel Type Speed Limiter")],
      deviceModels: [
        {
          ...lookup(1, "AutoGrade Dass86"),
          device_type_id: 1,
          approval_code: "24-01-22784/Q24-01-048943/NB0002",
        },
      ],
      deviceVariants: [
        { ...lookup(1, "autograde_dass86"), description: "autograde_dass86", device_model_id: 1 },
      ],
      devices: [
        device(1, "D1005E000001"),
        device(2, "ESL000002"),
        device(3, "S100000003"),
        device(4, "DBW000004"),
      ],
    },
    mappings: {
      customers: [
        { key: "501", value: 501 },
        { key: "503", value: 0 },
      ],
      users: [
        // Dealer 1 lists its child account first: the dealer rule finds 12 and uses its parent 11.
        { key: "12", value: { old_user_id: 102, dealer_id: 1 } },
        { key: "11", value: { old_user_id: 101, dealer_id: 1 } },
        { key: "21", value: { old_user_id: 201, dealer_id: 2 } },
      ],
      technicians: extra.technicianMappings ?? [
        { key: "7", value: { old_technician_id: 7, dealer_id: 11 } },
        { key: "8", value: { old_technician_id: 8, dealer_id: 11 } },
      ],
      certificates: extra.certificateMappings ?? [],
    },
  };
}
