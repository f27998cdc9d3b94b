import { OpenAlgoBroker } from '../../trader/brokers/openalgo/openalgo-broker';
import type { Instrument } from '../../trader/domain/instrument';
import { FakeOpenAlgo } from '../support/fake-openalgo';
import { describeBrokerContract } from './broker-contract';

/**
 * The shared broker contract, run against the OpenAlgo adapter over a real local HTTP +
 * WebSocket server (the scripted fake, in its well-behaved mode). Fills come in one-lot rows, so
 * multi-row orders exercise the execution-id derivation.
 */
const NIFTY_CE: Instrument = { symbol: 'NIFTY28NOV2424000CE', exchange: 'NFO', type: 'OPTION', lotSize: 75, tickPaise: 5, freezeQty: 1800 };

describeBrokerContract('openalgo adapter over the fake OpenAlgo', async () => {
  const fake = await FakeOpenAlgo.start({ lotSizes: { [NIFTY_CE.symbol]: NIFTY_CE.lotSize }, fillChunk: NIFTY_CE.lotSize });
  const broker = new OpenAlgoBroker({
    config: { apiUrl: fake.apiUrl, wsUrl: fake.wsUrl, apiKey: fake.apiKey, strategy: 'contract', pollIntervalMs: 200 },
  });
  await broker.start();
  return {
    broker,
    instrument: NIFTY_CE,
    basePaise: 12_000,
    product: 'MIS',
    async trade(pricePaise: number): Promise<void> {
      fake.trade(pricePaise);
      await broker.reconcileNow();
    },
    settle: () => broker.reconcileNow(),
    async close(): Promise<void> {
      await broker.stop();
      await fake.close();
    },
  };
});
