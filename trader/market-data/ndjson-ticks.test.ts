import { describe, expect, it } from 'vitest';
import { InputError } from '../cli/errors';
import { parseNdjsonTicks } from './ndjson-ticks';

function err(text: string): InputError {
  try {
    parseNdjsonTicks(text, 't.ndjson');
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('parseNdjsonTicks', () => {
  it('reads one tick per line, skipping blank lines, keeping optional fields only when present', () => {
    const text = [
      '{"symbol":"RELIANCE","exchange":"NSE","timeMs":1716263100000,"price":2950.5}',
      '',
      '{"symbol":"RELIANCE","exchange":"NSE","timeMs":1716263100500,"price":2951,"volume":10,"bid":2950.95,"ask":2951.05}',
    ].join('\n');
    expect(parseNdjsonTicks(text, 't.ndjson')).toEqual([
      { symbol: 'RELIANCE', exchange: 'NSE', timeMs: 1716263100000, price: 2950.5 },
      { symbol: 'RELIANCE', exchange: 'NSE', timeMs: 1716263100500, price: 2951, volume: 10, bid: 2950.95, ask: 2951.05 },
    ]);
  });

  it.each([
    ['{"symbol":"A","exchange":"NSE","timeMs":1,"price":0}', 'price'],
    ['{"symbol":"A","exchange":"NSE","timeMs":1,"price":-3}', 'price'],
    ['{"symbol":"A","exchange":"NYSE","timeMs":1,"price":3}', 'exchange'],
    ['{"symbol":"","exchange":"NSE","timeMs":1,"price":3}', 'symbol'],
    ['{"symbol":"A","exchange":"NSE","timeMs":1.5,"price":3}', 'timeMs'],
    ['{"symbol":"A","exchange":"NSE","timeMs":1,"price":3,"volume":-1}', 'volume'],
    ['{"symbol":"A","exchange":"NSE","timeMs":1,"price":"3"}', 'price'],
  ])('rejects %s naming field %s', (line, field) => {
    const e = err(`{"symbol":"A","exchange":"NSE","timeMs":0,"price":1}\n${line}`);
    expect(e.location).toEqual({ file: 't.ndjson', line: 2, field });
  });

  it('rejects a line that is not JSON, and ticks going back in time', () => {
    expect(err('{"symbol":').location).toEqual({ file: 't.ndjson', line: 1 });
    const back = err('{"symbol":"A","exchange":"NSE","timeMs":5,"price":1}\n{"symbol":"A","exchange":"NSE","timeMs":4,"price":1}');
    expect(back.location).toEqual({ file: 't.ndjson', line: 2, field: 'timeMs' });
  });
});
