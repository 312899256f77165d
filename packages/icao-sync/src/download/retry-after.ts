/**
 * The wait a `Retry-After` header asks for, in milliseconds: delta-seconds (`120`) or an HTTP-date
 * (measured from `nowMs`, 0 when already past). `undefined` when the header is absent or unreadable, so the
 * caller falls back to its own backoff.
 */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // Date.parse also accepts loose forms; requiring a weekday-or-digit start and a year keeps it to dates.
  if (!/^[A-Za-z]{3},? |^\d/.test(value) || !/\d{4}/.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
