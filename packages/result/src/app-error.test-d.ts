import { describe, expectTypeOf, test } from "vitest";
import type { AppError, ErrorDetails, Result } from "./index.js";
import { appError, err, ErrorCode } from "./index.js";

interface RunSummary {
  readonly rows: number;
}
type RunFailure = AppError<{ readonly summary?: RunSummary }>;

declare function run(): Result<RunSummary, RunFailure>;

describe("AppError with typed details", () => {
  test("without a type argument it is the AppError it always was", () => {
    expectTypeOf<AppError>().toEqualTypeOf<AppError<ErrorDetails>>();
    expectTypeOf<AppError["details"]>().toEqualTypeOf<Readonly<Record<string, unknown>> | undefined>();
    const error = appError(ErrorCode.FILE_ERROR, "x", { details: { path: "/tmp/x" } });
    expectTypeOf(error).toEqualTypeOf<AppError>();
  });

  test("a caller reads the payload a function promises without a cast", () => {
    const outcome = run();
    if (!outcome.ok) expectTypeOf(outcome.error.details?.summary).toEqualTypeOf<RunSummary | undefined>();
  });

  test("a typed failure is still an AppError, and a plain AppError can stand where one is returned", () => {
    expectTypeOf<RunFailure>().toExtend<AppError>();
    const plain: AppError = appError(ErrorCode.CONFIGURATION_ERROR, "bad setting");
    const early = (): Result<RunSummary, RunFailure> => err(plain);
    expectTypeOf(early()).toEqualTypeOf<Result<RunSummary, RunFailure>>();
  });

  test("appError<D> checks the details against D", () => {
    const typed = appError<{ readonly summary?: RunSummary }>(ErrorCode.DATABASE_ERROR, "gone", {
      details: { summary: { rows: 3 } },
    });
    expectTypeOf(typed).toEqualTypeOf<RunFailure>();
    appError<{ readonly summary?: RunSummary }>(ErrorCode.DATABASE_ERROR, "gone", {
      // @ts-expect-error rows must be a number
      details: { summary: { rows: "3" } },
    });
  });

  test("an interface as details is refused: it has no index signature", () => {
    interface Loose {
      readonly summary: RunSummary;
    }
    // @ts-expect-error use a type alias for details
    expectTypeOf<AppError<Loose>>().not.toBeNever();
  });
});
