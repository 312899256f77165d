/** A parsed speed limit, with a warning when the text held no usable number. */
export interface SpeedLimit {
  /** km/h; 0 when the text has no digits (as the original tool did). */
  readonly value: number;
  /** Set when the value is not what the text says: no digits at all, or a number too large to store. */
  readonly warning?: string;
}

const MAX_INT = 2_147_483_647;

/**
 * Parses a legacy `speed` text: the first run of ASCII digits as an integer (`'80 km/h'` → 80, `'80KM'` → 80,
 * `'120'` → 120, `'80.5'` → 80). No digits at all gives 0 with a warning, as does a number beyond INT range.
 */
export function parseSpeedLimit(text: string | null | undefined): SpeedLimit {
  const digits = /[0-9]+/.exec(text ?? "")?.[0];
  if (digits === undefined) {
    return { value: 0, warning: `speed '${text ?? ""}' has no digits; speed limit set to 0` };
  }
  const value = Number.parseInt(digits, 10);
  if (value > MAX_INT) {
    return { value: 0, warning: `speed '${text ?? ""}' is too large to store; speed limit set to 0` };
  }
  return { value };
}
