import { DEVICE_FAMILIES } from "../../rules/ecu.js";
import { lookupRow } from "./destination-rows.js";
import type { GeneratedRow } from "./generated-rows.js";

/** The catalogue ids of one device family. */
export interface FamilyIds {
  readonly type: number;
  readonly model: number;
  readonly variant: number;
}

/** The device catalogue the device migration made: one type/model/variant per family. */
export interface DeviceCatalogue {
  readonly deviceTypes: GeneratedRow[];
  readonly deviceModels: GeneratedRow[];
  readonly deviceVariants: GeneratedRow[];
  /** Catalogue ids per ECU prefix. */
  readonly familyIds: ReadonlyMap<string, FamilyIds>;
}

/** Builds the device catalogue of {@link DEVICE_FAMILIES}; families sharing a type or model share its row. */
export function deviceCatalogue(now: number): DeviceCatalogue {
  const deviceTypes: GeneratedRow[] = [];
  const deviceModels: GeneratedRow[] = [];
  const deviceVariants: GeneratedRow[] = [];
  const familyIds = new Map<string, FamilyIds>();
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
  return { deviceTypes, deviceModels, deviceVariants, familyIds };
}
