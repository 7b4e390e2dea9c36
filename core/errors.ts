/**
 * Errors that reach the user. Anything thrown as a MorphsimError is printed by the CLI as
 * one line on stderr (no stack trace) and ends the process with its exit code.
 */

/** Exit codes, fixed so scripts and sweeps can tell failures apart. */
export const ExitCode = {
  /** Bad command line, bad configuration, bad input file (not an ELF, truncated, ...). */
  usage: 2,
  /** The guest ran past --max-instret or another run limit. */
  limit: 3,
  /** A verification mode found a divergence from the reference interpreter. */
  divergence: 4,
  /** The simulator itself failed (a bug in morphsim, not in the guest). */
  internal: 70,
} as const;

export class MorphsimError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.usage,
  ) {
    super(message);
    this.name = 'MorphsimError';
  }
}

/** Bad input from the user: command line, configuration, or an input file. Exit code 2. */
export class UsageError extends MorphsimError {
  constructor(message: string) {
    super(message, ExitCode.usage);
    this.name = 'UsageError';
  }
}
