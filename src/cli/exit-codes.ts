/** `mlload` exit codes (DESIGN §5). */
export const EXIT = {
  passed: 0,
  failed: 1,
  usage: 2,
  runError: 3,
} as const;

/** An error meant for the user: its message is printed as is, with no stack, and the process exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
