import { describe, expect, it } from "vitest";
import { deviceFamilyForEcu, ecuKey, trimEcu } from "./ecu.js";

describe("ECU numbers", () => {
  it("trimEcu removes surrounding blanks only", () => {
    expect(trimEcu("  D1005E012345 ")).toBe("D1005E012345");
    expect(trimEcu("D1005E 012345")).toBe("D1005E 012345");
  });

  it("ecuKey compares trimmed and case-insensitively", () => {
    expect(ecuKey(" d1005e0001")).toBe(ecuKey("D1005E0001  "));
    expect(ecuKey("D1005E0001")).not.toBe(ecuKey("D1005E0002"));
  });
});

describe("deviceFamilyForEcu", () => {
  it.each([
    ["D1005E012345", "Fuel Type Speed Limiter", "AutoGrade Dass86", "24-01-22784/Q24-01-048943/NB0002"],
    ["D1005F000001", "Fuel Type Speed Limiter", "AutoGrade Dass86", "24-01-22784/Q24-01-048943/NB0002"],
    ["D1007E000001", "Fuel Type Speed Limiter", "AutoGrade Dass86", "24-01-22784/Q24-01-048943/NB0002"],
    ["S1002000", "Electronic Type Speed Limiter", "Autograde Safedrive", "24-01-22785/Q24-01-048935/NB0002"],
    ["DBW0001", "Electronic Type Speed Limiter", "Fleetmax DBW", "24-01-22784/Q24-01-048943/NB0002"],
    ["DBV0001", "Fuel Type Speed Limiter", "Fleetmax DBV", "24-01-22784/Q24-01-048943/NB0002"],
    ["ESL0001", "Electronic Type Speed Limiter", "Resolute Dynamics ESL", "24-01-22783/Q24-01-048944/NB0002"],
    ["FSL0001", "Fuel Type Speed Limiter", "Resolute Dynamics FSL", "24-01-22783/Q24-01-048944/NB0002"],
    [
      "ETM0001",
      "Engine Temperature Monitor",
      "Resolute Dynamics ThermoPro",
      "24-01-22783/Q24-01-048944/NB0002",
    ],
    ["BAS0001", "Brake Alert System", "Resolute Dynamics TailSafe", "24-01-22783/Q24-01-048944/NB0002"],
    ["SAS0001", "Speed Alert System", "Resolute Dynamics SAS", "24-01-22783/Q24-01-048944/NB0002"],
    ["ASL0001", "Adaptive Speed Limiter", "Resolute Dynamics ASL", "24-01-22783/Q24-01-048944/NB0002"],
  ])("%s is a %s (%s)", (ecu, deviceType, deviceModel, approvalCode) => {
    expect(deviceFamilyForEcu(ecu)).toMatchObject({ deviceType, deviceModel, approvalCode });
  });

  it("the variant is the model lowercased with underscores", () => {
    expect(deviceFamilyForEcu("D1005E1")?.variant).toBe("autograde_dass86");
    expect(deviceFamilyForEcu("ETM1")?.variant).toBe("resolute_dynamics_thermopro");
  });

  it("leading blanks do not hide the prefix", () => {
    expect(deviceFamilyForEcu("  ESL0001")?.deviceModel).toBe("Resolute Dynamics ESL");
  });

  it("prefixes are case-sensitive and unknown ones have no family", () => {
    expect(deviceFamilyForEcu("esl0001")).toBeUndefined();
    expect(deviceFamilyForEcu("XYZ0001")).toBeUndefined();
    expect(deviceFamilyForEcu("D1006E0001")).toBeUndefined();
  });
});
