import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { STATE_FILE, StateLog, type LogHeader } from './state-log';

const HEADER: LogHeader = { t: 'init', v: 1, seed: 1, date: '2025-06-10', symbols: ['SBIN'], tickRateScale: 1, lockstep: true };
const dirs: string[] = [];
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tfl-statelog-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('StateLog', () => {
  it('writes the header once and returns the records on reopen, in order', () => {
    const d = dir();
    const a = StateLog.open(d, HEADER);
    expect(a.records).toEqual([]);
    a.log.append([{ t: 'cancel', tick: 3, m: 1749527160000, orderid: '1' }], true);
    a.log.append([{ t: 'pos', tick: 4, m: 1749527160000, seq: 2, ack: 1 }], false);
    a.log.close();
    const b = StateLog.open(d, HEADER);
    expect(b.records.map((r) => r.t)).toEqual(['cancel', 'pos']);
    b.log.close();
    expect(readFileSync(join(d, STATE_FILE), 'utf8').split('\n').filter((l) => l !== '')).toHaveLength(3);
  });

  it('drops a torn last line (a write cut short) and keeps appending after the good ones', () => {
    const d = dir();
    StateLog.open(d, HEADER).log.close();
    appendFileSync(join(d, STATE_FILE), '{"t":"pos","tick":1,"m":1749527160000,"seq":1,"ack":0}\n{"t":"pos","ti');
    const a = StateLog.open(d, HEADER);
    expect(a.records).toHaveLength(1);
    a.log.append([{ t: 'pos', tick: 2, m: 1749527160000, seq: 2, ack: 1 }], false);
    a.log.close();
    expect(StateLog.open(d, HEADER).records.map((r) => (r.t === 'pos' ? r.tick : -1))).toEqual([1, 2]);
  });

  it('refuses a damaged line, naming the file and line, and a log of another simulation', () => {
    const d = dir();
    StateLog.open(d, HEADER).log.close();
    appendFileSync(join(d, STATE_FILE), '{"t":"pos","tick":-1,"m":1,"seq":0,"ack":0}\n');
    expect(() => StateLog.open(d, HEADER)).toThrow(/line 2, field 'tick'/);
    const e = dir();
    writeFileSync(join(e, STATE_FILE), `${JSON.stringify({ ...HEADER, seed: 2 })}\n`);
    expect(() => StateLog.open(e, HEADER)).toThrow(/another simulation/);
  });
});
