import { describe, expect, it } from "vitest";
import { splitVehicleType } from "./vehicle-type.js";

describe("splitVehicleType", () => {
  it("splits at the first space: the rest is the model", () => {
    expect(splitVehicleType("Toyota Land Cruiser")).toEqual({ brand: "Toyota", model: "Land Cruiser" });
  });

  it("a single word is both brand and model", () => {
    expect(splitVehicleType("Canter")).toEqual({ brand: "Canter", model: "Canter" });
  });

  it("leading and trailing blanks are trimmed (the original gave brand '')", () => {
    expect(splitVehicleType(" Nissan Patrol ")).toEqual({ brand: "Nissan", model: "Patrol" });
    expect(splitVehicleType("\tIsuzu\n")).toEqual({ brand: "Isuzu", model: "Isuzu" });
  });

  it("inner runs of blanks collapse to one space", () => {
    expect(splitVehicleType("Mitsubishi   Fuso  Canter")).toEqual({
      brand: "Mitsubishi",
      model: "Fuso Canter",
    });
  });

  it("blank or missing text means no vehicle", () => {
    expect(splitVehicleType("")).toBeUndefined();
    expect(splitVehicleType("   ")).toBeUndefined();
    expect(splitVehicleType(null)).toBeUndefined();
  });
});
