/** Options of {@link cachedReader}. */
export interface CachedReaderOptions {
  /** How long a value is served before it is read again. */
  readonly maxAgeMs: number;
  /** A value that changes when the cache must not be trusted any more (e.g. the last run's end time). */
  readonly version: () => unknown;
  /** Milliseconds on a monotonic clock; default `performance.now`. */
  readonly now?: () => number;
}

/**
 * `read`, called at most once per `maxAgeMs` however many callers ask: callers within that time get the
 * cached value; callers after it get the cached value at once while one refresh runs (so no caller waits on
 * a slow database except the very first); when `version` changes, callers wait for a fresh read.
 */
export function cachedReader<T>(read: () => Promise<T>, options: CachedReaderOptions): () => Promise<T> {
  const now = options.now ?? (() => performance.now());
  let cached: { value: T; at: number; version: unknown } | undefined;
  let inFlight: { promise: Promise<T>; version: unknown } | undefined;

  const refresh = (version: unknown): Promise<T> => {
    if (inFlight !== undefined && Object.is(inFlight.version, version)) return inFlight.promise;
    const promise = read().then((value) => {
      // A read for a version that is no longer current must not replace a newer one.
      if (cached === undefined || Object.is(options.version(), version)) {
        cached = { value, at: now(), version };
      }
      return value;
    });
    const entry = { promise, version };
    inFlight = entry;
    void promise
      .finally(() => {
        if (inFlight === entry) inFlight = undefined;
      })
      .catch(() => undefined);
    return promise;
  };

  return () => {
    const version = options.version();
    if (cached === undefined || !Object.is(cached.version, version)) return refresh(version);
    if (now() - cached.at >= options.maxAgeMs) void refresh(version).catch(() => undefined);
    return Promise.resolve(cached.value);
  };
}
