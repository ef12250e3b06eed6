/**
 * Exit codes a script can rely on (documented in docs/cli.md):
 * 0 ok, 1 the operation reported failures, 2 usage or validation error, 3 API unreachable or auth refused.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Bad arguments or a bad input file: nothing was sent to the API. */
export class UsageError extends Error {
  readonly exitCode = EXIT.usage;
}

/** The API could not be reached, or refused our token. */
export class UnreachableError extends Error {
  readonly exitCode = EXIT.unreachable;
}

/** The API refused an operation (400/404/409/5xx): its own words are in the message. */
export class ApiError extends Error {
  readonly exitCode = EXIT.failed;
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof UsageError || err instanceof UnreachableError || err instanceof ApiError) return err.exitCode;
  return EXIT.failed;
}
