/** A vehicle's brand and model, split from the legacy `vehicle_type`. */
export interface VehicleMake {
  readonly brand: string;
  readonly model: string;
}

/**
 * Splits a legacy `vehicle_type` ("Toyota Land Cruiser") at its first space into brand ("Toyota") and model
 * ("Land Cruiser"). Surrounding blanks are trimmed and inner runs of blanks collapse to one space; a single
 * word is both brand and model. Blank text means there is no vehicle (undefined).
 */
export function splitVehicleType(vehicleType: string | null | undefined): VehicleMake | undefined {
  const cleaned = (vehicleType ?? "").trim().replace(/\s+/g, " ");
  if (cleaned === "") return undefined;
  const space = cleaned.indexOf(" ");
  if (space < 0) return { brand: cleaned, model: cleaned };
  return { brand: cleaned.slice(0, space), model: cleaned.slice(space + 1) };
}
