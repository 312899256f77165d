import { describe, expect, it } from "vitest";
import { certificateStatus, deviceBlockRequired } from "./certificate-status.js";

const base = {
  renewalCount: 2,
  maxRenewalCountForEcu: 2,
  serialNumber: 1001,
  cancelled: false,
  activeState: 1,
};

describe("certificateStatus", () => {
  it("the latest renewal of an ECU is active", () => {
    expect(certificateStatus(base)).toBe("active");
  });

  it("an older renewal of the same ECU is renewed", () => {
    expect(certificateStatus({ ...base, renewalCount: 1 })).toBe("renewed");
  });

  it("a renewal count above the maximum seen is still active", () => {
    expect(certificateStatus({ ...base, renewalCount: 3 })).toBe("active");
  });

  it("no serial number makes it nullified, over renewed", () => {
    expect(certificateStatus({ ...base, renewalCount: 0, serialNumber: null })).toBe("nullified");
  });

  it("a cancellation makes it cancelled, over nullified and renewed", () => {
    expect(certificateStatus({ ...base, renewalCount: 0, serialNumber: null, cancelled: true })).toBe(
      "cancelled",
    );
  });

  it("a deactivated record is blocked, over everything else", () => {
    expect(
      certificateStatus({
        renewalCount: 0,
        maxRenewalCountForEcu: 5,
        serialNumber: null,
        cancelled: true,
        activeState: 0,
      }),
    ).toBe("blocked");
  });

  it("any activstate other than 0 counts as active", () => {
    expect(certificateStatus({ ...base, activeState: 2 })).toBe("active");
  });
});

describe("deviceBlockRequired", () => {
  it("blocks the device of a deactivated, uncancelled certificate", () => {
    expect(deviceBlockRequired({ activeState: 0, cancelled: false, deviceFound: true })).toBe(true);
  });

  it("does not block for a cancelled, an active or a device-less certificate", () => {
    expect(deviceBlockRequired({ activeState: 0, cancelled: true, deviceFound: true })).toBe(false);
    expect(deviceBlockRequired({ activeState: 1, cancelled: false, deviceFound: true })).toBe(false);
    expect(deviceBlockRequired({ activeState: 0, cancelled: false, deviceFound: false })).toBe(false);
  });
});
