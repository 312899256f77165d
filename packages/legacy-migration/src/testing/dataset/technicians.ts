import type { Random } from "../random.js";
import type { DealerAccounts } from "./dealers-and-users.js";
import { technicianRow } from "./destination-rows.js";
import type { GeneratedMappingEntry, GeneratedRow } from "./generated-rows.js";

/** Legacy technicians, the destination technicians, and technicians_mapping.json. */
export interface Technicians {
  readonly legacy: GeneratedRow[];
  readonly destination: GeneratedRow[];
  readonly mappings: GeneratedMappingEntry[];
  /** Legacy technician ids per legacy dealer id. */
  readonly ofDealer: ReadonlyMap<number, readonly number[]>;
  /** Legacy technicians the technician migration skipped. */
  readonly unmapped: readonly number[];
}

/**
 * Generates one to four technicians per dealer (legacy ids kept, mapped in technicians_mapping.json), and
 * destination technicians that share a user's email, in the user's dealer or, wrongly for the rule, another.
 */
export function generateTechnicians(
  random: Random,
  options: { readonly dealers: DealerAccounts; readonly defect: number; readonly now: number },
): Technicians {
  const { dealers, defect, now } = options;
  const legacyTechnicians: GeneratedRow[] = [];
  const destinationTechnicians: GeneratedRow[] = [];
  const technicianMappings: GeneratedMappingEntry[] = [];
  const techniciansOfDealer = new Map<number, number[]>();
  const unmappedTechnicians: number[] = [];
  let nextTechnician = 1;
  for (let dealer = 1; dealer <= dealers.count; dealer++) {
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
        user_id: random.pick(dealers.usersOfDealer.get(dealer) ?? [0]),
      });
      const roll = random.next();
      if (roll < defect) {
        unmappedTechnicians.push(id); // the technician migration skipped it
        continue;
      }
      technicianMappings.push({
        key: String(id),
        value: { old_technician_id: id, dealer_id: dealers.parentOfDealer.get(dealer) },
      });
      if (roll < defect * 2) continue; // mapped, but the row was deleted since
      destinationTechnicians.push(
        technicianRow(
          id,
          `Technician ${id}`,
          `tech${id}@dealer${dealer}.example.ae`,
          dealers.parentOfDealer.get(dealer) ?? 0,
          now,
        ),
      );
    }
    techniciansOfDealer.set(dealer, ids);
  }
  // Technicians that share a user's email: in the user's dealer (found by email) or in another (must not be).
  let nextOwnTechnician = 50_000;
  for (const user of dealers.destinationUsers) {
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
  return {
    legacy: legacyTechnicians,
    destination: destinationTechnicians,
    mappings: technicianMappings,
    ofDealer: techniciansOfDealer,
    unmapped: unmappedTechnicians,
  };
}
