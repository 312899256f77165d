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
 * ("first entry with that dealer"). A key listed twice keeps its first position and its last value, as
 * Python's `json.load` (which wrote these files) does.
 */
export function jsonObjectEntries(
  text: string,
): { ok: true; entries: JsonObjectEntry[] } | { ok: false; problem: JsonObjectProblem } {
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: { message: `it is not valid JSON (${(error as Error).message})` } };
  }
  if (typeof whole !== "object" || whole === null || Array.isArray(whole)) {
    return { ok: false, problem: { message: "its top level is not a JSON object" } };
  }
  // The text is valid JSON now, so a scanner that only tracks strings and nesting depth suffices.
  const members = new Map<string, unknown>();
  let position = text.indexOf("{") + 1;
  for (;;) {
    position = skipBlanks(text, position);
    if (text[position] === "}") break;
    const keyEnd = endOfString(text, position);
    const key = JSON.parse(text.slice(position, keyEnd)) as string;
    position = skipBlanks(text, keyEnd) + 1; // past ':'
    const valueStart = skipBlanks(text, position);
    const valueEnd = endOfValue(text, valueStart);
    members.set(key, JSON.parse(text.slice(valueStart, valueEnd)));
    position = skipBlanks(text, valueEnd);
    if (text[position] === ",") position += 1;
  }
  return { ok: true, entries: [...members].map(([key, value]) => ({ key, value })) };
}

function skipBlanks(text: string, from: number): number {
  let position = from;
  while (position < text.length && /\s/.test(text[position] ?? "")) position += 1;
  return position;
}

/** Index just past the string literal that starts at `from` (an opening quote). */
function endOfString(text: string, from: number): number {
  let position = from + 1;
  while (position < text.length) {
    const char = text[position];
    if (char === "\\") position += 2;
    else if (char === '"') return position + 1;
    else position += 1;
  }
  return position;
}

/** Index just past the JSON value that starts at `from`. */
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
