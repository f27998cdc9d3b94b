/**
 * Bad input is reported, never guessed at: an InputError names the file, line and field, and
 * the CLI maps it to exit code 2 after printing the message.
 */
export interface InputLocation {
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;
}

export class InputError extends Error {
  readonly location: InputLocation;
  constructor(message: string, location: InputLocation = {}) {
    super(formatLocated(message, location));
    this.name = 'InputError';
    this.location = location;
  }
}

function formatLocated(message: string, loc: InputLocation): string {
  const where = [loc.file, loc.line !== undefined ? `line ${loc.line}` : undefined, loc.field ? `field '${loc.field}'` : undefined]
    .filter((p): p is string => p !== undefined)
    .join(', ');
  return where ? `${where}: ${message}` : message;
}

/** Standard streams, injected so commands are testable in process. */
export interface CliIo {
  readonly stdout: { write(s: string): unknown; isTTY?: boolean };
  readonly stderr: { write(s: string): unknown; isTTY?: boolean };
  /** Working directory for relative paths (process.cwd() in main). */
  readonly cwd: string;
}

/** A command: argv after the command name in, exit code out. Throws InputError for bad input. */
export type Command = (argv: readonly string[], io: CliIo) => Promise<number>;
