import { PaperBroker } from '../../trader/brokers/paper/paper-broker';
import type { Instrument } from '../../trader/domain/instrument';
import { describeBrokerContract } from './broker-contract';

const NIFTY_CE: Instrument = {
  symbol: 'NIFTY28NOV2424000CE',
  exchange: 'NFO',
  type: 'OPTION',
  lotSize: 75,
  tickPaise: 5,
  freezeQty: 1800,
};

describeBrokerContract('paper', () => {
  const broker = new PaperBroker({ instruments: [NIFTY_CE] });
  let timeMs = 1_700_000_000_000;
  return Promise.resolve({
    broker,
    instrument: NIFTY_CE,
    basePaise: 12_000,
    product: 'MIS',
    trade(pricePaise: number): Promise<void> {
      timeMs += 1_000;
      broker.onTick(0, timeMs, pricePaise, pricePaise - NIFTY_CE.tickPaise, pricePaise + NIFTY_CE.tickPaise);
      return Promise.resolve();
    },
    settle: () => Promise.resolve(),
    close: () => Promise.resolve(),
  });
});
