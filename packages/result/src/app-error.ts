import { ErrorCode } from "./error-code.js";

/** What `AppError.details` holds when nothing more precise is said: structured context for logs. */
export type ErrorDetails = Readonly<Record<string, unknown>>;

/**
 * The error value every `@certs` library returns inside an `Err`: a plain, serializable object.
 * `code` is usually one of {@link ErrorCode}; `message` is one sentence a user can act on;
 * `cause` keeps the original thrown value; `details` carries structured context for logs.
 * `D` types the details a function promises (e.g. `AppError<{ readonly summary?: RunSummary }>`), so a
 * caller reads them without a cast; give it as a type alias (an interface has no index signature).
 */
export interface AppError<D extends ErrorDetails = ErrorDetails> {
  readonly code: string;
  readonly message: string;
  readonly cause?: unknown;
  readonly details?: D;
}

/** Optional parts of an {@link AppError}. */
export interface AppErrorOptions<D extends ErrorDetails = ErrorDetails> {
  readonly cause?: unknown;
  readonly details?: D;
}

/**
 * The error an `AsyncResult` produces when a callback throws or a promise rejects without an error mapper.
 * It is an {@link AppError} whose code is always `UNEXPECTED_ERROR`, so it can be told apart from domain errors.
 */
export interface UnexpectedError extends AppError {
  readonly code: typeof ErrorCode.UNEXPECTED_ERROR;
}

/**
 * Builds an {@link AppError}; `cause` and `details` are only present when given. With a type argument,
 * `appError<D>(code, message, { details })` checks the details against `D` and returns an `AppError<D>`.
 */
export function appError(code: string, message: string, options?: AppErrorOptions): AppError;
export function appError<D extends ErrorDetails>(
  code: string,
  message: string,
  options: AppErrorOptions<D>,
): AppError<D>;
export function appError(code: string, message: string, options?: AppErrorOptions): AppError {
  // Keys are added only when passed so the object stays minimal and exactOptionalPropertyTypes holds.
  const error: {
    code: string;
    message: string;
    cause?: unknown;
    details?: ErrorDetails;
  } = {
    code,
    message,
  };
  if (options !== undefined && "cause" in options) error.cause = options.cause;
  if (options?.details !== undefined) error.details = options.details;
  return error;
}

/** True when `value` has the shape of an {@link AppError} (a string `code` and a string `message`). */
export function isAppError(value: unknown): value is AppError {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as { code?: unknown; message?: unknown };
  return typeof candidate.code === "string" && typeof candidate.message === "string";
}

/** The message of a thrown value, when it has one worth repeating to a user. Internal to the package. */
export function messageOf(cause: unknown): string | undefined {
  if (typeof cause === "string") return cause === "" ? undefined : cause;
  if (typeof cause === "object" && cause !== null) {
    const message = (cause as { message?: unknown }).message;
    if (typeof message === "string" && message !== "") return message;
  }
  return undefined;
}

/** Builds an {@link UnexpectedError} whose message ends with the cause's own message. Internal to the package. */
export function unexpectedError(
  message: string,
  cause: unknown,
  details?: Readonly<Record<string, unknown>>,
): UnexpectedError {
  const causeMessage = messageOf(cause);
  const error = appError(
    ErrorCode.UNEXPECTED_ERROR,
    causeMessage === undefined ? message : `${message}: ${causeMessage}`,
    details === undefined ? { cause } : { cause, details },
  );
  return error as UnexpectedError;
}

/**
 * An `Error` that carries an {@link AppError}, for code that must throw or reject with a real `Error`
 * (test frameworks, `Promise` APIs, process-level handlers).
 */
export class AppErrorException extends Error {
  /** The code of the wrapped error. */
  readonly code: string;
  /** The wrapped error, unchanged. */
  readonly appError: AppError;

  /** Wraps `error`; the message and cause are the AppError's own. */
  constructor(error: AppError) {
    super(error.message, "cause" in error ? { cause: error.cause } : undefined);
    this.name = "AppErrorException";
    this.code = error.code;
    this.appError = error;
  }
}

/**
 * Turns any error value into an `Error`: an `Error` is returned as is, an {@link AppError} is wrapped in an
 * {@link AppErrorException}, anything else becomes an `Error` whose `cause` is the value.
 */
export function toError(error: unknown): Error {
  if (error instanceof Error) return error;
  if (isAppError(error)) return new AppErrorException(error);
  return new Error(messageOf(error) ?? `Non-error value: ${describeThrown(error)}`, { cause: error });
}

/** A short text for a thrown value; String() would itself throw on an object without a prototype. */
function describeThrown(value: unknown): string {
  if (typeof value === "object" && value !== null) return Object.prototype.toString.call(value);
  return String(value);
}
