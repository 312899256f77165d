/** The emirate codes seen in legacy dealer rows and vehicle registrations. */
export const EMIRATES = ["DXB", "AUH", "SHJ", "AJM", "RAK"] as const;
