import { describe, expect, it } from 'vitest';
import type { Bar } from '../../domain/bar';
import type { Bias, Intent } from '../../domain/intent';
import { istTimeOnDate } from '../../domain/time';
import type { OpenedPosition } from '../port';
import { parseTflParams } from './params';
import type { TflParamsInput } from './params';
import { TflStrategy } from './strategy';
import type { TflSnapshot } from './strategy';
import { Recorder } from './test-support';

/**
 * Restoring mid-day into a fresh instance and continuing must give exactly the intents the
 * uninterrupted instance gave. A small deterministic "engine" drives one instance over a few
 * random-walk days (fills on the next tick, broker stops, exits, denials of every third entry)
 * and records every call it made; the recording is then replayed, cut at many points.
 */

type Call =
  | { readonly k: 'session'; readonly dateKey: string; readonly openMs: number }
  | { readonly k: 'bias'; readonly bias: Bias | null }
  | { readonly k: 'bar'; readonly sym: number; readonly bar: Bar }
  | { readonly k: 'tick'; readonly sym: number; readonly t: number; readonly p: number }
  | { readonly k: 'opened'; readonly sym: number; readonly pos: OpenedPosition }
  | { readonly k: 'closed'; readonly sym: number; readonly t: number }
  | { readonly k: 'abandoned'; readonly sym: number; readonly t: number };

const SYMBOLS = ['AAA', 'BBB'];
const TICK = 5;
const TF_MS = 15 * 60_000;

function newStrategy(params: TflParamsInput): TflStrategy {
  const tfl = new TflStrategy(parseTflParams(params));
  SYMBOLS.forEach((s, i) => tfl.addSymbol(i, s, TICK));
  return tfl;
}

function apply(tfl: TflStrategy, c: Call, out: Recorder): void {
  switch (c.k) {
    case 'session':
      return tfl.onSessionStart(c.dateKey, c.openMs);
    case 'bias':
      return tfl.setBias(c.bias);
    case 'bar':
      return tfl.onBar(c.sym, 15, c.bar, out);
    case 'tick':
      return tfl.onTick(c.sym, c.t, c.p, out);
    case 'opened':
      return tfl.onPositionOpened(c.sym, c.pos, out);
    case 'closed':
      return tfl.onPositionClosed(c.sym, c.t);
    case 'abandoned':
      return tfl.onEntryAbandoned(c.sym, c.t, 'RISK_BUDGET');
  }
}

interface SimSymbol {
  price: number;
  bar: { startMs: number; open: number; high: number; low: number; close: number; volume: number } | null;
  pendingEntry: Extract<Intent, { kind: 'ENTER' }> | null;
  position: { long: boolean; stop: number } | null;
  pendingExit: number | null;
}

/** Drives a strategy through `days` and returns every call made and the intents after each. */
function record(params: TflParamsInput, days: readonly { date: string; bias: Bias | null }[], seed: number) {
  const tfl = newStrategy(params);
  const calls: Call[] = [];
  const emitted: Intent[][] = [];
  let rng = seed >>> 0;
  const rand = (): number => {
    rng = (Math.imul(rng, 1664525) + 1013904223) >>> 0;
    return rng / 2 ** 32;
  };
  const sim: SimSymbol[] = SYMBOLS.map(() => ({ price: 100_000, bar: null, pendingEntry: null, position: null, pendingExit: null }));
  let entries = 0;

  const call = (c: Call): void => {
    const out = new Recorder();
    apply(tfl, c, out);
    calls.push(c);
    emitted.push(out.intents);
    if (!('sym' in c)) return;
    const s = sim[c.sym];
    if (s === undefined) return;
    for (const i of out.intents) {
      switch (i.kind) {
        case 'ENTER':
          entries += 1;
          if (entries % 3 === 0) call({ k: 'abandoned', sym: c.sym, t: i.decidedAtMs });
          else s.pendingEntry = i;
          break;
        case 'MOVE_STOP':
          if (s.position) s.position.stop = i.stopPaise;
          break;
        case 'EXIT':
          s.pendingExit = i.fraction;
          break;
      }
    }
  };

  for (const { date, bias } of days) {
    const open = istTimeOnDate(date, '09:15');
    const squareOff = istTimeOnDate(date, '15:15');
    const close = istTimeOnDate(date, '15:30');
    call({ k: 'session', dateKey: date, openMs: open });
    call({ k: 'bias', bias });
    for (let t = open; t < close + TF_MS; t += 20_000) {
      for (let sym = 0; sym < SYMBOLS.length; sym++) {
        const s = sim[sym];
        if (s === undefined) continue;
        if (s.bar && t >= s.bar.startMs + TF_MS) {
          const b = s.bar;
          s.bar = null;
          call({
            k: 'bar',
            sym,
            bar: { startMs: b.startMs, open: b.open / 100, high: b.high / 100, low: b.low / 100, close: b.close / 100, volume: b.volume },
          });
        }
        if (t >= close) continue;
        s.price += Math.round((rand() - 0.5) * 16) * TICK;
        const p = s.price;
        const start = open + Math.floor((t - open) / TF_MS) * TF_MS;
        if (s.bar === null) s.bar = { startMs: start, open: p, high: p, low: p, close: p, volume: 0 };
        s.bar.high = Math.max(s.bar.high, p);
        s.bar.low = Math.min(s.bar.low, p);
        s.bar.close = p;
        s.bar.volume += Math.floor(rand() * 100);

        if (s.pendingEntry) {
          const e = s.pendingEntry;
          s.pendingEntry = null;
          const long = e.direction === 'LONG';
          const risk = Math.abs(p - e.stopPaise);
          s.position = { long, stop: e.stopPaise };
          call({
            k: 'opened',
            sym,
            pos: {
              direction: e.direction,
              qty: 10,
              entryTimeMs: t,
              entryPricePaise: p,
              stopPaise: e.stopPaise,
              riskPerUnitPaise: risk,
              targetPaise: long ? p + e.targetR * risk : p - e.targetR * risk,
            },
          });
        }
        const pos = s.position;
        if (pos) {
          const exit = s.pendingExit;
          s.pendingExit = null;
          const stopped = pos.long ? p <= pos.stop : p >= pos.stop;
          if (exit === 1 || stopped || t >= squareOff) {
            s.position = null;
            call({ k: 'closed', sym, t });
          }
        }
        call({ k: 'tick', sym, t, p });
      }
    }
  }
  return { calls, emitted };
}

function replaySplit(params: TflParamsInput, calls: readonly Call[], k: number): Intent[][] {
  const first = newStrategy(params);
  const sink = new Recorder();
  let date: string | null = null;
  let openMs = 0;
  let bias: Bias | null = null;
  for (const c of calls.slice(0, k)) {
    apply(first, c, sink);
    if (c.k === 'session') {
      date = c.dateKey;
      openMs = c.openMs;
    }
    if (c.k === 'bias') bias = c.bias;
  }
  const stored = JSON.parse(JSON.stringify(first.snapshot())) as TflSnapshot;

  const second = newStrategy(params);
  second.restore(stored);
  // What an engine does after restoring: announce the day's bias and session again.
  second.setBias(bias);
  if (date !== null) second.onSessionStart(date, openMs);
  return calls.slice(k).map((c) => {
    const out = new Recorder();
    apply(second, c, out);
    return out.intents;
  });
}

const DAYS = [
  { date: '2024-05-21', bias: null },
  { date: '2024-05-22', bias: 'LONGS_ONLY' as const },
  { date: '2024-05-23', bias: 'SHORTS_ONLY' as const },
];

describe('TFL snapshot/restore', () => {
  const variants: readonly [string, TflParamsInput][] = [
    ['bar trailing', { requireBias: false }],
    ['ATR trailing from entry with the partial', { requireBias: false, trailing: { mode: 'atr', startAfter: 'entry' }, partialProfit: { enabled: true }, targetR: 3 }],
  ];

  for (const [name, params] of variants) {
    it(`restoring mid-day into a fresh instance gives identical intents (${name})`, () => {
      const { calls, emitted } = record(params, DAYS, 42);
      const kinds = new Set(emitted.flat().map((i) => (i.kind === 'ENTER' ? i.kind : i.kind === 'EXIT' ? i.reason : i.reason)));
      // The recording must exercise the interesting states, or the check below proves little.
      expect(emitted.flat().filter((i) => i.kind === 'ENTER').length).toBeGreaterThan(5);
      expect(kinds.has('BREAKEVEN')).toBe(true);
      expect(kinds.has(name === 'bar trailing' ? 'TRAIL' : 'TRAIL_ATR')).toBe(true);

      const cuts: number[] = [];
      for (let k = 1; k < calls.length; k += 173) cuts.push(k);
      // Also cut right after every entry, fill and breakeven: the states most worth restoring.
      emitted.forEach((intents, i) => {
        if (intents.length > 0) cuts.push(i + 1);
      });
      calls.forEach((c, i) => {
        if (c.k === 'opened' || c.k === 'abandoned') cuts.push(i + 1);
      });
      for (const k of cuts) {
        expect(replaySplit(params, calls, k), `cut at call ${k}`).toEqual(emitted.slice(k));
      }
    });
  }

  it('round-trips through JSON unchanged', () => {
    const params = { requireBias: false, trailing: { mode: 'atr' as const } };
    const { calls } = record(params, DAYS.slice(0, 1), 7);
    const a = newStrategy(params);
    const sink = new Recorder();
    for (const c of calls.slice(0, 4000)) apply(a, c, sink);
    const snap = a.snapshot();
    const b = newStrategy(params);
    b.restore(JSON.parse(JSON.stringify(snap)) as TflSnapshot);
    expect(b.snapshot()).toEqual(snap);
  });

  it('rejects a malformed snapshot with the field named', () => {
    const tfl = newStrategy({});
    const good = tfl.snapshot();
    const bad = { ...good, symbols: [{ ...good.symbols[0], tradesToday: -1 }, good.symbols[1]] };
    expect(() => tfl.restore(bad as TflSnapshot)).toThrow(/tradesToday/);
    const armedWithoutPair = { ...good, symbols: [{ ...good.symbols[0], state: { phase: 'ARMED' } }, good.symbols[1]] };
    expect(() => tfl.restore(armedWithoutPair as TflSnapshot)).toThrow(/pair/);
  });

  it('refuses a snapshot of other symbols', () => {
    const other = new TflStrategy(parseTflParams({}));
    other.addSymbol(0, 'AAA', TICK);
    other.addSymbol(1, 'ZZZ', TICK);
    expect(() => newStrategy({}).restore(other.snapshot())).toThrow(/ZZZ/);
    const fewer = new TflStrategy(parseTflParams({}));
    fewer.addSymbol(0, 'AAA', TICK);
    expect(() => newStrategy({}).restore(fewer.snapshot())).toThrow(/1 symbols/);
  });

  it("refuses a snapshot without ATR state in trailing mode 'atr'", () => {
    const snap = newStrategy({}).snapshot();
    expect(() => newStrategy({ trailing: { mode: 'atr' } }).restore(snap)).toThrow(/ATR/);
  });
});
