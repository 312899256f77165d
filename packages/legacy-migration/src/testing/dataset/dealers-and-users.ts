import type { Random } from "../random.js";
import { shuffle } from "../random.js";
import { userRow } from "./destination-rows.js";
import { EMIRATES } from "./emirates.js";
import type { GeneratedMappingEntry, GeneratedRow } from "./generated-rows.js";

/** Legacy dealers and their users, the destination users the user migration made, and user_mappings.json. */
export interface DealerAccounts {
  /** Dealers are numbered 1..count. */
  readonly count: number;
  readonly legacyDealers: GeneratedRow[];
  readonly legacyUsers: GeneratedRow[];
  readonly destinationUsers: GeneratedRow[];
  /** user_mappings.json in file order. */
  readonly userMappings: GeneratedMappingEntry[];
  /** Legacy user ids per legacy dealer id (mapped or not). */
  readonly usersOfDealer: ReadonlyMap<number, readonly number[]>;
  /** Destination parent (dealer account) of each legacy dealer. */
  readonly parentOfDealer: ReadonlyMap<number, number>;
}

/** Generates `count` dealers with one to three users each; some later users were never mapped. */
export function generateDealerAccounts(
  random: Random,
  options: { readonly count: number; readonly defect: number; readonly now: number },
): DealerAccounts {
  const { count: dealerCount, defect, now } = options;
  const legacyDealers: GeneratedRow[] = [];
  const legacyUsers: GeneratedRow[] = [];
  const destinationUsers: GeneratedRow[] = [
    userRow(1, "Migration Admin", "admin@example.ae", null, "admin", now),
  ];
  const userMappingBlocks: GeneratedMappingEntry[][] = [];
  const usersOfDealer = new Map<number, number[]>();
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
  return {
    count: dealerCount,
    legacyDealers,
    legacyUsers,
    destinationUsers,
    userMappings,
    usersOfDealer,
    parentOfDealer,
  };
}
