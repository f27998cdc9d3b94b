import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenAlgoBroker } from '../trader/brokers/openalgo/openalgo-broker';
import type { Instrument } from '../trader/domain/instrument';
import { startExchangeSim } from '../trader/exchange-sim/server';
import { describeBrokerContract } from './contract/broker-contract';

/**
 * The shared broker contract, run against the OpenAlgo adapter over the exchange simulator. The
 * generated market stays still (nobody subscribes to market data); the harness moves the price
 * with the simulator's `trade` hook. A lot of 5 lets the suite express a bad lot; orders are
 * stamped with the wall clock because the suite looks orders up with `Date.now()`.
 */
const SBIN: Instrument = { symbol: 'SBIN', exchange: 'NSE', type: 'EQUITY', lotSize: 5, tickPaise: 5 };

describeBrokerContract('openalgo adapter over the exchange simulator', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tfl-exsim-contract-'));
  const sim = await startExchangeSim({
    apiKey: 'contract-key',
    seed: 3,
    date: '2025-06-10',
    symbols: ['SBIN'],
    stateDir: dir,
    lotSizes: { SBIN: SBIN.lotSize },
    stampClock: () => Date.now(),
    fsync: 'none',
  });
  const broker = new OpenAlgoBroker({
    config: { apiUrl: sim.restUrl, wsUrl: sim.wsUrl, apiKey: 'contract-key', strategy: 'contract', pollIntervalMs: 200 },
  });
  await broker.start();
  return {
    broker,
    instrument: SBIN,
    basePaise: 56_000,
    product: 'MIS',
    async trade(pricePaise: number): Promise<void> {
      sim.trade(SBIN.symbol, SBIN.exchange, pricePaise);
      await broker.reconcileNow();
    },
    settle: () => broker.reconcileNow(),
    async close(): Promise<void> {
      await broker.stop();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
