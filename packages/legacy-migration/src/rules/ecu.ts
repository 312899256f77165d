/** A device family the ECU number's prefix identifies (the device migration's catalogue). */
export interface DeviceFamily {
  readonly prefix: string;
  readonly deviceType: string;
  readonly deviceModel: string;
  readonly approvalCode: string;
  /** The variant name: the model lowercased with spaces as underscores (`autograde_dass86`). */
  readonly variant: string;
}

const DASS_APPROVAL = "24-01-22784/Q24-01-048943/NB0002";
const SAFEDRIVE_APPROVAL = "24-01-22785/Q24-01-048935/NB0002";
const RESOLUTE_APPROVAL = "24-01-22783/Q24-01-048944/NB0002";

function family(prefix: string, deviceType: string, deviceModel: string, approvalCode: string): DeviceFamily {
  return {
    prefix,
    deviceType,
    deviceModel,
    approvalCode,
    variant: deviceModel.toLowerCase().replace(/ /g, "_"),
  };
}

/** The ECU prefixes in matching order (the first prefix that matches wins). */
export const DEVICE_FAMILIES: readonly DeviceFamily[] = Object.freeze([
  family("D1005E", "Fuel Type Speed Limiter", "AutoGrade Dass86", DASS_APPROVAL),
  family("D1005F", "Fuel Type Speed Limiter", "AutoGrade Dass86", DASS_APPROVAL),
  family("D1007E", "Fuel Type Speed Limiter", "AutoGrade Dass86", DASS_APPROVAL),
  family("S100", "Electronic Type Speed Limiter", "Autograde Safedrive", SAFEDRIVE_APPROVAL),
  family("DBW", "Electronic Type Speed Limiter", "Fleetmax DBW", DASS_APPROVAL),
  family("DBV", "Fuel Type Speed Limiter", "Fleetmax DBV", DASS_APPROVAL),
  family("ESL", "Electronic Type Speed Limiter", "Resolute Dynamics ESL", RESOLUTE_APPROVAL),
  family("FSL", "Fuel Type Speed Limiter", "Resolute Dynamics FSL", RESOLUTE_APPROVAL),
  family("ETM", "Engine Temperature Monitor", "Resolute Dynamics ThermoPro", RESOLUTE_APPROVAL),
  family("BAS", "Brake Alert System", "Resolute Dynamics TailSafe", RESOLUTE_APPROVAL),
  family("SAS", "Speed Alert System", "Resolute Dynamics SAS", RESOLUTE_APPROVAL),
  family("ASL", "Adaptive Speed Limiter", "Resolute Dynamics ASL", RESOLUTE_APPROVAL),
]);

/** An ECU number as written on the device: surrounding blanks removed. */
export function trimEcu(ecu: string): string {
  return ecu.trim();
}

/**
 * The key two ECU numbers are compared by everywhere (device lookup, `--ecu` filter, renewal chains): trimmed
 * and case-insensitive, so `' d1005e0001'` and `'D1005E0001 '` are the same device.
 */
export function ecuKey(ecu: string): string {
  return ecu.trim().toUpperCase();
}

/** The device family of an ECU number (trimmed, case-sensitive prefix match in catalogue order), if any. */
export function deviceFamilyForEcu(ecu: string): DeviceFamily | undefined {
  const trimmed = trimEcu(ecu);
  return DEVICE_FAMILIES.find((candidate) => trimmed.startsWith(candidate.prefix));
}
