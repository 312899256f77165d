/** One member of a JSON object, in the order the file lists it. */
export interface JsonObjectEntry {
  readonly key: string;
  readonly value: unknown;
}

/** Why a text is not a JSON object. */
export interface JsonObjectProblem {
  readonly message: string;
}

/**
 * Parses a text whose top level is a JSON object and returns its members in file order. `JSON.parse` cannot
 * do this: it reorders integer-like keys ("20" before "100"), and the mapping rules depend on file order
 * ("first entry with that dealer"). A key listed twice is a problem: Python's `json.load` would silently
 * keep the last value, and a mapping that says two things about one legacy id is a mistake to fix, not to
 * guess. One pass over the text, each member parsed on its own, so memory stays near the text's own size.
 */
export function jsonObjectEntries(
  text: string,
): { ok: true; entries: JsonObjectEntry[] } | { ok: false; problem: JsonObjectProblem } {
  const entries: JsonObjectEntry[] = [];
  const problem = readJsonObject(text, (key, value) => {
    entries.push({ key, value });
  });
  return problem === undefined ? { ok: true, entries } : { ok: false, problem };
}

/**
 * The same, member by member: `onMember` sees each key and value in file order, so a caller that keeps
 * only what it converts never holds a second copy of the file's content. `onMember` returns `false` to
 * stop early (the text after it is then not checked). Returns the problem, or undefined when the text is
 * one JSON object with distinct keys. `hasKey` tells whether a key was already read; a caller that keeps
 * every key anyway passes its own lookup so that the keys are not held twice.
 */
export function readJsonObject(
  text: string,
  onMember: (key: string, value: unknown) => boolean | void,
  hasKey?: (key: string) => boolean,
): JsonObjectProblem | undefined {
  try {
    readMembers(text, onMember, hasKey);
    return undefined;
  } catch (error) {
    if (error instanceof StopReading) return undefined;
    if (error instanceof DuplicateKey || error instanceof NotAnObject) return { message: error.message };
    return { message: `it is not valid JSON (${(error as Error).message})` };
  }
}

class StopReading extends Error {}
class NotAnObject extends Error {}
class DuplicateKey extends Error {}

function readMembers(
  text: string,
  onMember: (key: string, value: unknown) => boolean | void,
  hasKey: ((key: string) => boolean) | undefined,
): void {
  let position = skipBlanks(text, 0);
  if (text[position] !== "{") {
    if (position >= text.length) throw new SyntaxError("the text is empty");
    // Anything else that is valid JSON is the wrong shape; anything invalid is reported as such.
    JSON.parse(text);
    throw new NotAnObject("its top level is not a JSON object");
  }
  const keys = hasKey === undefined ? new Set<string>() : undefined;
  const seen = hasKey ?? ((key: string) => keys?.has(key) === true);
  position = skipBlanks(text, position + 1);
  if (text[position] === "}") return finish(text, position + 1);
  for (;;) {
    if (text[position] !== '"') throw new SyntaxError(`expected a member name at position ${position}`);
    const keyEnd = endOfString(text, position);
    const key = JSON.parse(text.slice(position, keyEnd)) as string;
    if (seen(key)) throw new DuplicateKey(`the key "${key}" is listed twice`);
    keys?.add(key);
    position = skipBlanks(text, keyEnd);
    if (text[position] !== ":") throw new SyntaxError(`expected ':' at position ${position}`);
    const valueStart = skipBlanks(text, position + 1);
    const valueEnd = endOfValue(text, valueStart);
    if (onMember(key, JSON.parse(text.slice(valueStart, valueEnd)) as unknown) === false)
      throw new StopReading();
    position = skipBlanks(text, valueEnd);
    if (text[position] === "}") return finish(text, position + 1);
    if (text[position] !== ",") throw new SyntaxError(`expected ',' or '}' at position ${position}`);
    position = skipBlanks(text, position + 1);
  }
}

function finish(text: string, after: number): void {
  const rest = skipBlanks(text, after);
  if (rest < text.length) throw new SyntaxError(`unexpected text after the object at position ${rest}`);
}

/** JSON's four blanks: space, tab, line feed, carriage return. */
function skipBlanks(text: string, from: number): number {
  let position = from;
  for (;;) {
    const code = text.charCodeAt(position);
    if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return position;
    position += 1;
  }
}

/** Index just past the string literal that starts at `from` (an opening quote). */
function endOfString(text: string, from: number): number {
  let position = from + 1;
  while (position < text.length) {
    const char = text.charCodeAt(position);
    if (char === 0x5c) position += 2;
    else if (char === 0x22) return position + 1;
    else position += 1;
  }
  return position;
}

/** Index just past the JSON value that starts at `from` (JSON.parse of the slice then checks it). */
function endOfValue(text: string, from: number): number {
  const first = text[from];
  if (first === '"') return endOfString(text, from);
  if (first === "{" || first === "[") {
    let depth = 0;
    let position = from;
    while (position < text.length) {
      const char = text[position];
      if (char === '"') {
        position = endOfString(text, position);
        continue;
      }
      if (char === "{" || char === "[") depth += 1;
      if (char === "}" || char === "]") {
        depth -= 1;
        if (depth === 0) return position + 1;
      }
      position += 1;
    }
    return position;
  }
  let position = from;
  while (position < text.length && !/[\s,}\]]/.test(text[position] ?? "")) position += 1;
  return position;
}

/**
 * Formats members as a JSON object indented by four spaces (the layout the original tool wrote with
 * `json.dump(indent=4)`), keeping their order.
 */
export function formatJsonObject(entries: Iterable<JsonObjectEntry>): string {
  const lines: string[] = [];
  for (const { key, value } of entries) {
    const body = JSON.stringify(value, null, 4).replace(/\n/g, "\n    ");
    lines.push(`    ${JSON.stringify(key)}: ${body}`);
  }
  return lines.length === 0 ? "{}\n" : `{\n${lines.join(",\n")}\n}\n`;
}
