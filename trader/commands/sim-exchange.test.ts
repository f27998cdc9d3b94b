import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../cli/errors';
import { parseSimExchangeFlags, runSimExchange } from './sim-exchange';

const GOOD = ['--port', '0', '--api-key', 'k', '--seed', '3', '--date', '2025-06-10', '--symbols', 'sbin,NIFTY', '--state-dir', 'state'];

function inputError(argv: readonly string[]): InputError {
  try {
    parseSimExchangeFlags(argv);
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected an InputError');
}

describe('tfl sim-exchange flags', () => {
  it('parses the flags', () => {
    expect(parseSimExchangeFlags([...GOOD, '--lockstep'])).toMatchObject({ port: 0, 'api-key': 'k', seed: 3, symbols: ['SBIN', 'NIFTY'], lockstep: true, 'tick-rate-scale': 1 });
  });

  it('names the bad flag (exit 2)', () => {
    expect(inputError(GOOD.map((a) => (a === '0' ? '70000' : a))).location.field).toBe('--port');
    expect(inputError(GOOD.filter((a, i) => i !== 2 && i !== 3)).location.field).toBe('--api-key');
    expect(inputError(GOOD.map((a) => (a === '2025-06-10' ? '2025-06-14' : a))).location.field).toBe('--date'); // a Saturday
    expect(inputError(GOOD.map((a) => (a === 'sbin,NIFTY' ? 'A B' : a))).location.field).toBe('--symbols');
    expect(inputError([...GOOD, '--speed', 'max']).message).toMatch(/speed/);
  });

  it('prints one line with the URLs, serves until told to stop, then closes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfl-simx-cmd-'));
    let out = '';
    const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true }, cwd: dir };
    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((r) => (stop = r));
    const run = runSimExchange(parseSimExchangeFlags([...GOOD, '--tick-rate-scale', '0.05']), io, stopped);
    while (!out.includes('\n')) await new Promise((r) => setTimeout(r, 10));
    const m = /^sim-exchange listening rest=(http:\/\/127\.0\.0\.1:(\d+)\/api\/v1) ws=ws:\/\/127\.0\.0\.1:\2\/ws port=\2 /.exec(out);
    expect(m).not.toBeNull();
    const r = await fetch(`${m?.[1] ?? ''}/ping`, { method: 'POST', body: JSON.stringify({ apikey: 'k' }) });
    expect(r.status).toBe(200);
    stop();
    expect(await run).toBe(0);
    expect(out).toMatch(/sim-exchange stopped/);
    rmSync(dir, { recursive: true, force: true });
  });
});
