/**
 * The crash suite (issue 3 §5), out of process: the exchange simulator runs in lockstep as its own
 * process and outlives the trader, which is a real `tfl trade` process on the embedded dynalite
 * store. A reference day runs uninterrupted; then the same day runs with the trader SIGKILLed at
 * seeded instants and inside the dangerous windows (TFL_FAULT_POINT), restarted each time. The
 * final ledger must equal the reference exactly; the simulator must hold one order per intent;
 * every fill is stored once.
 *
 * More kills: TFL_CRASH_SUITE_KILLS=N (default 10 random + 3 windows).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../trader/cli';
import type { Ledger } from '../trader/engine/ledger';
import { get, spawnSim, type SimChild } from './support/exchange-sim-client';

const DATE = '2025-01-07';
const SYMBOLS = 'RELIANCE,INFY,SBIN';
const KEY = 'crash-suite-key';
const MAIN = join(import.meta.dirname, '..', 'trader', 'main.ts');

interface TraderRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

function startTrader(sim: SimChild, dataDir: string, fault?: string): { done: Promise<TraderRun>; kill: () => void } {
  const env: NodeJS.ProcessEnv = { ...process.env, TFL_FAULT_POINT: fault ?? '' };
  delete env.AWS_REGION;
  delete env.TFL_TABLE_NAME;
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, 'trade', '--broker', 'openalgo', '--api-url', sim.restUrl, '--ws-url', sim.wsUrl, '--api-key', KEY, '--symbols', SYMBOLS, '--data-dir', dataDir, '--date', DATE, '--bias', 'off'],
    { stdio: ['ignore', 'ignore', 'pipe'], env },
  );
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<TraderRun>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal, stderr })));
  return { done, kill: () => proc.kill('SIGKILL') };
}

async function ledgerOfDir(dataDir: string): Promise<Ledger> {
  const out = join(dataDir, 'ledger.json');
  let err = '';
  const code = await runCli(['ledger', '--data-dir', dataDir, '--date', DATE, '--json', out], {
    stdout: { write: () => true },
    stderr: { write: (s: string) => (err += s) },
    cwd: process.cwd(),
  });
  if (code !== 0) throw new Error(`ledger failed: ${err}`);
  return JSON.parse(readFileSync(out, 'utf8')) as Ledger;
}

async function simBooks(sim: SimChild): Promise<{ orders: { orderid: string }[]; trades: unknown[] }> {
  const ob = await get(sim.restUrl, 'orderbook', { apikey: KEY });
  const tb = await get(sim.restUrl, 'tradebook', { apikey: KEY });
  const orders = ((ob.body as { data?: { orders?: { orderid: string }[] } }).data?.orders ?? []);
  const trades = ((tb.body as { data?: unknown[] }).data ?? []);
  return { orders, trades };
}

async function day(kills: readonly ({ afterMs: number } | { fault: string })[]): Promise<{ ledger: Ledger; sim: { orders: { orderid: string }[]; trades: unknown[] }; restarts: number }> {
  const simDir = mkdtempSync(join(tmpdir(), 'tfl-crash-sim-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'tfl-crash-trader-'));
  const sim = await spawnSim(['--port', '0', '--api-key', KEY, '--seed', '5', '--date', DATE, '--symbols', SYMBOLS, '--state-dir', simDir, '--lockstep', '--tick-rate-scale', '0.5']);
  let restarts = 0;
  try {
    for (const k of kills) {
      const t = startTrader(sim, dataDir, 'fault' in k ? k.fault : undefined);
      if ('afterMs' in k) {
        const timer = setTimeout(t.kill, k.afterMs);
        const r = await t.done;
        clearTimeout(timer);
        if (r.code === 0) return { ledger: await ledgerOfDir(dataDir), sim: await simBooks(sim), restarts }; // finished before the kill
        expect(r.signal, r.stderr).toBe('SIGKILL');
      } else {
        const r = await t.done;
        if (r.code === 0) continue; // the fault point was never reached in this life
        expect(r.signal, r.stderr).toBe('SIGKILL');
      }
      restarts++;
    }
    const last = await startTrader(sim, dataDir).done;
    expect(last.code, last.stderr).toBe(0);
    return { ledger: await ledgerOfDir(dataDir), sim: await simBooks(sim), restarts };
  } finally {
    sim.proc.kill('SIGTERM');
    await sim.exited;
  }
}

describe('crash suite: trader SIGKILLed against the lockstep exchange simulator', () => {
  it('ends the day with the same ledger as an uninterrupted run, one order per intent, every fill stored once', async () => {
    const reference = await day([]);
    expect(reference.ledger.trades.length).toBeGreaterThan(0);

    let seed = 20251122;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    const n = Number(process.env.TFL_CRASH_SUITE_KILLS ?? 10);
    const kills = [
      { fault: 'after_intent:1' },
      { fault: 'after_accept:1' },
      { fault: 'after_fill:1' },
      ...Array.from({ length: n }, () => ({ afterMs: 500 + Math.floor(rnd() * 1_000) })),
    ];
    const crashed = await day(kills);
    expect(crashed.restarts).toBeGreaterThanOrEqual(10);
    expect(crashed.ledger).toEqual(reference.ledger);
    // One order at the simulator per intent, and every simulator order is one of ours.
    const ours = crashed.ledger.orders.map((o) => o.brokerOrderId).filter((x): x is string => x !== null);
    expect(new Set(ours).size).toBe(ours.length);
    expect(crashed.sim.orders.map((o) => o.orderid).sort()).toEqual([...ours].sort());
    // Every fill stored once.
    expect(crashed.ledger.fills.length).toBe(crashed.sim.trades.length);
    expect(new Set(crashed.ledger.fills.map((f) => f.executionId)).size).toBe(crashed.ledger.fills.length);
  }, 600_000);
});
