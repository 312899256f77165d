import type { Random } from "../random.js";
import type { DealerAccounts } from "./dealers-and-users.js";
import { utcText } from "./destination-rows.js";
import type { GeneratedMappingEntry, GeneratedRow } from "./generated-rows.js";

/** Legacy customers, the destination customers the customer migration made, and customer_mappings.json. */
export interface Customers {
  /** Customers are numbered 1..count (destination id = legacy id). */
  readonly count: number;
  readonly legacy: GeneratedRow[];
  readonly destination: GeneratedRow[];
  readonly mappings: GeneratedMappingEntry[];
  /** Legacy customer ids per legacy dealer id. */
  readonly ofDealer: ReadonlyMap<number, readonly number[]>;
}

/** Generates `count` customers, each owned by a user of a random dealer; a few were never migrated or map to 0. */
export function generateCustomers(
  random: Random,
  options: {
    readonly count: number;
    readonly dealers: DealerAccounts;
    readonly defect: number;
    readonly now: number;
  },
): Customers {
  const { count: customerCount, dealers, defect, now } = options;
  const legacyCustomers: GeneratedRow[] = [];
  const destinationCustomers: GeneratedRow[] = [];
  const customerMappings: GeneratedMappingEntry[] = [];
  const customersOfDealer = new Map<number, number[]>();
  for (let id = 1; id <= customerCount; id++) {
    const dealer = random.int(1, dealers.count);
    const owner = random.pick(dealers.usersOfDealer.get(dealer) ?? [0]);
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
  return {
    count: customerCount,
    legacy: legacyCustomers,
    destination: destinationCustomers,
    mappings: customerMappings,
    ofDealer: customersOfDealer,
  };
}
