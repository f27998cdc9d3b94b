import type { Bar } from '../../domain/bar';
import type { Bias, Direction, Intent } from '../../domain/intent';
import { toPaise } from '../../domain/money';
import { istTimeOnDate } from '../../domain/time';
import type { OpenedPosition, StrategyOutput } from '../port';
import { parseTflParams } from './params';
import type { TflParamsInput } from './params';
import { TflStrategy } from './strategy';

/** Test helpers for TFL: hand-built bars on one IST day, a recording output, a ready strategy. */

export const DAY = '2024-05-21';
export const DAY2 = '2024-05-22';

export function at(hhmm: string, day = DAY): number {
  return istTimeOnDate(day, hhmm);
}

/** A 15-minute bar starting at `hhmm` (rupees, as bars are). */
export function bar(hhmm: string, open: number, high: number, low: number, close: number, volume = 0, day = DAY): Bar {
  return { startMs: at(hhmm, day), open, high, low, close, volume };
}

export class Recorder implements StrategyOutput {
  readonly intents: Intent[] = [];
  emit(intent: Intent): void {
    this.intents.push(intent);
  }
  clear(): void {
    this.intents.length = 0;
  }
  get entries(): Extract<Intent, { kind: 'ENTER' }>[] {
    return this.intents.filter((i): i is Extract<Intent, { kind: 'ENTER' }> => i.kind === 'ENTER');
  }
}

export interface Harness {
  readonly tfl: TflStrategy;
  readonly out: Recorder;
  /** Feed 15-minute bars of symbol 0 in order. */
  bars(...bs: Bar[]): void;
  tick(hhmm: string, rupees: number, secondsAfter?: number): void;
  /** The engine's view of the fill: stop from the entry intent, target at targetR. */
  fill(direction: Direction, hhmm: string, rupees: number, stopRupees: number, targetR?: number): OpenedPosition;
  close(hhmm: string, secondsAfter?: number): void;
}

export function harness(params: TflParamsInput = {}, bias: Bias | null = 'LONGS_ONLY', tickPaise = 5): Harness {
  const tfl = new TflStrategy(parseTflParams(params));
  tfl.addSymbol(0, 'ACME', tickPaise);
  tfl.setBias(bias);
  tfl.onSessionStart(DAY, at('09:15'));
  const out = new Recorder();
  return {
    tfl,
    out,
    bars: (...bs) => {
      for (const b of bs) tfl.onBar(0, 15, b, out);
    },
    tick: (hhmm, rupees, secondsAfter = 0) => tfl.onTick(0, at(hhmm) + secondsAfter * 1000, toPaise(rupees), out),
    fill: (direction, hhmm, rupees, stopRupees, targetR = 10) => {
      const entry = toPaise(rupees);
      const stop = toPaise(stopRupees);
      const risk = Math.abs(entry - stop);
      const position: OpenedPosition = {
        direction,
        qty: 100,
        entryTimeMs: at(hhmm),
        entryPricePaise: entry,
        stopPaise: stop,
        riskPerUnitPaise: risk,
        targetPaise: direction === 'LONG' ? entry + targetR * risk : entry - targetR * risk,
      };
      tfl.onPositionOpened(0, position, out);
      return position;
    },
    close: (hhmm, secondsAfter = 0) => tfl.onPositionClosed(0, at(hhmm) + secondsAfter * 1000),
  };
}
