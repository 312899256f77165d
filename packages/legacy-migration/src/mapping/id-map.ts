const CANONICAL_ID = /^(0|[1-9][0-9]{0,14})$/;

/**
 * A map of id text to id text that stores ids in their canonical decimal form ("7", not "07") as numbers:
 * a customer mapping file of millions of entries then costs a third of the memory of a `Map` of strings.
 * Other keys and values are kept as text. Iteration lists the numeric entries first, each part in the
 * order it was filled.
 */
export class IdMap implements ReadonlyMap<string, string> {
  private readonly numeric = new Map<number, number | string>();
  private readonly other = new Map<string, string>();

  get size(): number {
    return this.numeric.size + this.other.size;
  }

  set(key: string, value: string): this {
    const stored = CANONICAL_ID.test(value) ? Number(value) : value;
    if (CANONICAL_ID.test(key)) this.numeric.set(Number(key), stored);
    else this.other.set(key, value);
    return this;
  }

  get(key: string): string | undefined {
    if (!CANONICAL_ID.test(key)) return this.other.get(key);
    const value = this.numeric.get(Number(key));
    return value === undefined ? undefined : String(value);
  }

  has(key: string): boolean {
    return CANONICAL_ID.test(key) ? this.numeric.has(Number(key)) : this.other.has(key);
  }

  forEach(callback: (value: string, key: string, map: ReadonlyMap<string, string>) => void): void {
    for (const [key, value] of this) callback(value, key, this);
  }

  *entries(): MapIterator<[string, string]> {
    for (const [key, value] of this.numeric) yield [String(key), String(value)];
    yield* this.other.entries();
  }

  *keys(): MapIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): MapIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): MapIterator<[string, string]> {
    return this.entries();
  }
}
