import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';

/**
 * The operator's kill switch, a local flag file for now (an SSM parameter in AWS later).
 *
 *   absent or empty  → 'off'
 *   off              → 'off'      (the AWS parameter's resting value; same meaning everywhere)
 *   stop             → 'stop'     no new entries; open positions keep being managed
 *   flatten          → 'flatten'  exit everything, no entries for the rest of the day
 *   anything else    → 'stop', with a warning: an unreadable wish is not permission to trade
 *
 * Case and surrounding whitespace are ignored (`echo STOP > file` works). Reading is I/O at the
 * edge; the risk gate only ever sees the parsed `KillSwitchState`.
 */
export type KillSwitchState = 'off' | 'stop' | 'flatten';

export interface KillSwitchReading {
  readonly state: KillSwitchState;
  /** Set when the file said something we did not understand or could not be read. */
  readonly warning: string | null;
}

const OFF: KillSwitchReading = { state: 'off', warning: null };
const STOP: KillSwitchReading = { state: 'stop', warning: null };
const FLATTEN: KillSwitchReading = { state: 'flatten', warning: null };

/** Parse the file's content; `null` means the file does not exist. */
export function parseKillSwitch(content: string | null, path = 'kill switch file'): KillSwitchReading {
  if (content === null) return OFF;
  const word = content.trim().toLowerCase();
  if (word === '' || word === 'off') return OFF;
  if (word === 'stop') return STOP;
  if (word === 'flatten') return FLATTEN;
  const shown = word.length > 40 ? `${word.slice(0, 40)}…` : word;
  return { state: 'stop', warning: `${path}: unrecognised content '${shown}' (expected 'off', 'stop' or 'flatten'); treated as 'stop'` };
}

function fromError(err: unknown, path: string): KillSwitchReading {
  if (isErrno(err) && err.code === 'ENOENT') return OFF;
  const why = err instanceof Error ? err.message : String(err);
  // Fail safe: when the operator's flag cannot be read, open no new risk.
  return { state: 'stop', warning: `${path}: cannot read the kill switch (${why}); treated as 'stop'` };
}

function isErrno(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && 'code' in err;
}

export async function readKillSwitch(path: string): Promise<KillSwitchReading> {
  try {
    return parseKillSwitch(await readFile(path, 'utf8'), path);
  } catch (err) {
    return fromError(err, path);
  }
}

export function readKillSwitchSync(path: string): KillSwitchReading {
  try {
    return parseKillSwitch(readFileSync(path, 'utf8'), path);
  } catch (err) {
    return fromError(err, path);
  }
}
