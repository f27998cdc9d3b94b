import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { z } from 'zod';
import { InputError } from './errors';

export type FlagSpec = NonNullable<ParseArgsConfig['options']>;

/**
 * Parse a command's flags strictly (unknown flags and stray arguments are errors), then validate
 * the values with the command's zod schema. Every error names the flag, so the user sees
 * `--seed: expected a whole number` rather than a stack trace; the CLI exits 2.
 */
export function parseFlags<S extends z.ZodType>(command: string, argv: readonly string[], spec: FlagSpec, schema: S): z.output<S> {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: [...argv], options: spec, strict: true, allowPositionals: false }).values;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new InputError(`${command}: ${msg.replace(/\. To specify a positional argument.*$/s, '')}`);
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = issue?.path[0];
    const field = typeof flag === 'string' ? `--${flag}` : undefined;
    throw new InputError(`${command}: ${issue?.message ?? 'invalid flags'}`, field ? { field } : {});
  }
  return parsed.data;
}
