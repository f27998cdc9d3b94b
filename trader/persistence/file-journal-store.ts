import { createWriteStream, existsSync, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { JournalEntry } from '../domain/events';
import type { JournalStore } from './port';

/** The part of a stored entry every reader relies on; the rest is the event's own fields. */
const storedEntry = z.looseObject({
  seq: z.number().int().positive(),
  type: z.enum(['SESSION_STARTED', 'SIGNAL', 'RISK_DECISION', 'ORDER', 'FILL', 'POSITION', 'TRADE', 'HALT', 'RECOVERED', 'SESSION_ENDED']),
  timeMs: z.number().int(),
});

/**
 * Append-only NDJSON journal: one entry per line, in sequence order. A line is acknowledged once
 * the stream has handed it to the OS. Reading validates every line and names the file and line
 * of the first bad one; a torn last line (a crash mid-write) is reported, not silently dropped.
 */
export class FileJournalStore implements JournalStore {
  readonly description: string;
  private readonly stream: WriteStream;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.stream = createWriteStream(path, { flags: 'a' });
    this.description = `file ${path}`;
  }

  append(entry: JournalEntry): Promise<void> {
    const line = `${JSON.stringify(entry)}\n`;
    return new Promise((resolve, reject) => {
      this.stream.write(line, (err) => (err ? reject(err) : resolve()));
    });
  }

  readAll(): Promise<JournalEntry[]> {
    return Promise.resolve(readJournalFile(this.path));
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.stream.end((err?: Error | null) => (err ? reject(err) : resolve()));
    });
  }
}

export function readJournalFile(path: string): JournalEntry[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  const out: JournalEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === undefined || line === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw new Error(`${path}, line ${i + 1}: not JSON (torn or corrupted journal line)`);
    }
    const parsed = storedEntry.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`${path}, line ${i + 1}, field '${issue?.path.join('.') ?? '?'}': ${issue?.message ?? 'invalid'}`);
    }
    out.push(raw as JournalEntry);
  }
  return out;
}
