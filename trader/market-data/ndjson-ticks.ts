import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { InputError } from '../cli/errors';
import { EXCHANGES, type Exchange } from '../domain/instrument';
import type { Tick } from '../domain/tick';

/**
 * Tick files: one JSON object per line, `{symbol, exchange, timeMs, price, volume?, bid?, ask?}`.
 * Blank lines are skipped. A file is trusted whole or not at all: the first bad line is an
 * InputError naming the file, the line and the field (the live feed, by contrast, drops and
 * counts bad ticks). Unknown keys are ignored. Ticks must be in non-decreasing time order per file.
 */
const positive = z.number().finite().positive();

export const NdjsonTickSchema = z
  .object({
    symbol: z.string().min(1),
    exchange: z.enum(EXCHANGES as readonly [Exchange, ...Exchange[]]),
    timeMs: z.number().int().nonnegative(),
    price: positive,
    volume: z.number().int().nonnegative().optional(),
    bid: positive.optional(),
    ask: positive.optional(),
  }); // unknown keys are ignored, like extra CSV columns

export function parseNdjsonTicks(text: string, file: string): Tick[] {
  const out: Tick[] = [];
  const lines = text.split('\n');
  let prevTime = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line === '') continue;
    const lineNo = i + 1;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      throw new InputError(`not JSON: ${e instanceof Error ? e.message : String(e)}`, { file, line: lineNo });
    }
    const r = NdjsonTickSchema.safeParse(json);
    if (!r.success) {
      const issue = r.error.issues[0];
      const field = issue?.path.map(String).join('.') ?? '';
      throw new InputError(issue?.message ?? 'invalid tick', { file, line: lineNo, ...(field === '' ? {} : { field }) });
    }
    const t = r.data;
    if (t.timeMs < prevTime) throw new InputError('tick is earlier than the previous line', { file, line: lineNo, field: 'timeMs' });
    prevTime = t.timeMs;
    out.push({
      symbol: t.symbol,
      exchange: t.exchange,
      timeMs: t.timeMs,
      price: t.price,
      ...(t.volume === undefined ? {} : { volume: t.volume }),
      ...(t.bid === undefined ? {} : { bid: t.bid }),
      ...(t.ask === undefined ? {} : { ask: t.ask }),
    });
  }
  return out;
}

export async function readNdjsonTicks(path: string): Promise<Tick[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read the file: ${e instanceof Error ? e.message : String(e)}`, { file: path });
  }
  return parseNdjsonTicks(text, path);
}
