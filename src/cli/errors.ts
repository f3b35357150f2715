/** The CLI's own errors, apart from the SDK's: each maps to one exit code (see exit-codes.ts). */

/** Thrown by the CLI itself for a bad command line or flag value; it always exits with code 2 (usage). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Thrown when a command needs an optional peer dependency that is not installed; it exits with its own code. */
export class MissingDependencyError extends Error {
  override readonly name = 'MissingDependencyError';
}
