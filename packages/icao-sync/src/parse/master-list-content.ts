import type { SignerInfo } from "./signed-data.js";

/** The signed content of a master list, kept so that `verifyMasterList` can run after a `verify: false` parse. */
export interface MasterListContent {
  readonly eContentType: string;
  /** The CscaMasterList DER the signature covers. */
  readonly eContent: Uint8Array;
  readonly signerInfos: readonly SignerInfo[];
}
