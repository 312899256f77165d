/** Thrown inside the parsers when an input is not what it should be; turned into a PARSE_ERROR at the API. */
export class MalformedInputError extends Error {
  override readonly name: string = "MalformedInputError";
}

/** Thrown when an input exceeds the configured nesting or element limits; never swallowed by tolerant walks. */
export class DerLimitError extends MalformedInputError {
  override readonly name: string = "DerLimitError";
}
