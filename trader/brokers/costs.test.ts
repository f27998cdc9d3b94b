import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addCharges, costSegmentOf, createCostModel, ZERO_CHARGES } from './costs';

const model = createCostModel();

describe('cost model: equity intraday (hand-computed)', () => {
  it('BUY 100 @ ₹2,500: brokerage capped at ₹20, stamp on the buy side, no STT', () => {
    // turnover ₹2,50,000 = 2,50,00,000 paise
    // brokerage min(₹20, 0.03 % = ₹75) = ₹20 → 2000
    // transaction 0.00297 % = ₹7.425 → 742.5 → 743 (half up)
    // SEBI ₹10/crore = ₹0.25 → 25
    // GST 18 % × (2000 + 743 + 25 = 2768) = 498.24 → 498
    // stamp 0.003 % = ₹7.50 → 750
    expect(model.orderCharges('EQUITY_INTRADAY', 'BUY', 100 * 250_000)).toEqual({
      brokeragePaise: 2000,
      sttPaise: 0,
      transactionPaise: 743,
      sebiPaise: 25,
      gstPaise: 498,
      stampPaise: 750,
      totalPaise: 4016,
    });
  });

  it('SELL 100 @ ₹2,510: STT 0.025 % on the sell side, no stamp', () => {
    // turnover ₹2,51,000; STT ₹62.75 → 6275; transaction ₹7.4547 → 745; SEBI ₹0.251 → 25
    // GST 18 % × (2000 + 745 + 25 = 2770) = 498.6 → 499
    expect(model.orderCharges('EQUITY_INTRADAY', 'SELL', 100 * 251_000)).toEqual({
      brokeragePaise: 2000,
      sttPaise: 6275,
      transactionPaise: 745,
      sebiPaise: 25,
      gstPaise: 499,
      stampPaise: 0,
      totalPaise: 9544,
    });
  });

  it('small order: brokerage is 0.03 % below the cap', () => {
    // BUY 10 @ ₹100 = ₹1,000: brokerage ₹0.30 → 30; transaction ₹0.0297 → 3; SEBI ₹0.001 → 0
    // GST 18 % × 33 = 5.94 → 6; stamp ₹0.03 → 3
    expect(model.orderCharges('EQUITY_INTRADAY', 'BUY', 10 * 10_000)).toEqual({
      brokeragePaise: 30,
      sttPaise: 0,
      transactionPaise: 3,
      sebiPaise: 0,
      gstPaise: 6,
      stampPaise: 3,
      totalPaise: 42,
    });
  });
});

describe('cost model: index options (hand-computed)', () => {
  it('BUY 75 NIFTY CE @ ₹120.50: flat ₹20, transaction 0.03503 % of premium, stamp', () => {
    // premium turnover 75 × 12050 = 9,03,750 paise (₹9,037.50)
    // transaction 0.03503 % = 316.58 → 317; SEBI 0.904 → 1; GST 18 % × 2318 = 417.24 → 417; stamp 27.11 → 27
    expect(model.orderCharges('OPTIONS', 'BUY', 75 * 12_050)).toEqual({
      brokeragePaise: 2000,
      sttPaise: 0,
      transactionPaise: 317,
      sebiPaise: 1,
      gstPaise: 417,
      stampPaise: 27,
      totalPaise: 2762,
    });
  });

  it('SELL 75 @ ₹130: STT 0.1 % of the sell premium', () => {
    // turnover 9,75,000 paise; STT 975; transaction 341.54 → 342; SEBI 0.975 → 1; GST 18 % × 2343 = 421.74 → 422
    expect(model.orderCharges('OPTIONS', 'SELL', 75 * 13_000)).toEqual({
      brokeragePaise: 2000,
      sttPaise: 975,
      transactionPaise: 342,
      sebiPaise: 1,
      gstPaise: 422,
      stampPaise: 0,
      totalPaise: 3740,
    });
  });
});

describe('cost model: futures (hand-computed)', () => {
  it('SELL 75 NIFTY FUT @ ₹24,000: STT 0.02 %, transaction 0.00173 %', () => {
    // turnover ₹18,00,000 = 18,00,00,000 paise; brokerage min(₹20, ₹540) = 2000; STT ₹360 → 36000
    // transaction ₹31.14 → 3114; SEBI ₹1.80 → 180; GST 18 % × 5294 = 952.92 → 953
    expect(model.orderCharges('FUTURES', 'SELL', 75 * 2_400_000)).toEqual({
      brokeragePaise: 2000,
      sttPaise: 36000,
      transactionPaise: 3114,
      sebiPaise: 180,
      gstPaise: 953,
      stampPaise: 0,
      totalPaise: 42247,
    });
  });

  it('BUY side pays stamp 0.002 %', () => {
    // same turnover: stamp ₹36 → 3600
    expect(model.orderCharges('FUTURES', 'BUY', 75 * 2_400_000).stampPaise).toBe(3600);
  });
});

describe('cost model: per-order brokerage across fills', () => {
  it('a multi-fill options order pays the flat brokerage once, on its first fill', () => {
    const first = model.fillCharges({ segment: 'OPTIONS', side: 'BUY', qty: 50, pricePaise: 12_050, orderTurnoverBeforePaise: 0 });
    const second = model.fillCharges({ segment: 'OPTIONS', side: 'BUY', qty: 25, pricePaise: 12_050, orderTurnoverBeforePaise: 50 * 12_050 });
    expect(first.brokeragePaise).toBe(2000);
    expect(second.brokeragePaise).toBe(0);
    expect(addCharges(first, second)).toEqual(model.orderCharges('OPTIONS', 'BUY', 75 * 12_050));
  });

  it('percentage brokerage accrues across fills up to the per-order cap', () => {
    // 3 fills of ₹30,000: 0.03 % = ₹9 each, cap ₹20 → 900, 900, 200
    const fills = [0, 1, 2].map((i) =>
      model.fillCharges({ segment: 'EQUITY_INTRADAY', side: 'BUY', qty: 100, pricePaise: 30_000, orderTurnoverBeforePaise: i * 3_000_000 }),
    );
    expect(fills.map((f) => f.brokeragePaise)).toEqual([900, 900, 200]);
  });

  it('the fills of an order sum exactly to the order charge, however it is split', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('EQUITY_INTRADAY' as const, 'OPTIONS' as const, 'FUTURES' as const),
        fc.constantFrom('BUY' as const, 'SELL' as const),
        fc.array(fc.record({ qty: fc.integer({ min: 1, max: 2000 }), pricePaise: fc.integer({ min: 1, max: 600_000 }) }), { minLength: 1, maxLength: 6 }),
        (segment, side, parts) => {
          let before = 0;
          let sum = ZERO_CHARGES;
          for (const p of parts) {
            const c = model.fillCharges({ segment, side, qty: p.qty, pricePaise: p.pricePaise, orderTurnoverBeforePaise: before });
            for (const v of Object.values(c)) expect(v).toBeGreaterThanOrEqual(0);
            sum = addCharges(sum, c);
            before += p.qty * p.pricePaise;
          }
          expect(sum).toEqual(model.orderCharges(segment, side, before));
        },
      ),
    );
  });
});

describe('cost model: configuration', () => {
  it('takes overrides through the zod schema and keeps the other defaults', () => {
    const zero = createCostModel({ equityIntraday: { brokerageRupees: 0, brokeragePct: null, sttBuyPct: 0, sttSellPct: 0.025, transactionPct: 0, sebiRupeesPerCrore: 0, stampBuyPct: 0 } });
    expect(zero.orderCharges('EQUITY_INTRADAY', 'SELL', 1_000_000).totalPaise).toBe(250);
    expect(zero.config.options.sttSellPct).toBe(0.1);
    expect(zero.config.asOf).toBe('2024-10-01');
  });

  it('rejects a negative rate and an unknown field', () => {
    expect(() => createCostModel({ gstPct: -1 })).toThrow();
    expect(() => createCostModel({ futures: { brokerageRupees: 20, brokeragePct: 0.03, sttBuyPct: 0, sttSellPct: 0.02, transactionPct: 0.00173, sebiRupeesPerCrore: 10, stampBuyPct: 0.002, extra: 1 } as never })).toThrow();
  });

  it('charges a broker fill by instrument type, brokerage once per order', () => {
    const inst = { symbol: 'NIFTY28NOV2424000CE', exchange: 'NFO' as const, type: 'OPTION' as const, lotSize: 75, tickPaise: 5 };
    const fill = { executionId: 'E1', brokerOrderId: 'B1', symbol: inst.symbol, exchange: inst.exchange, side: 'BUY' as const, qty: 75, pricePaise: 12_050, timeMs: 0 };
    expect(model.chargesForFill(inst, fill, 0).totalPaise).toBe(2762);
    expect(model.chargesForFill(inst, fill, 75 * 12_050).brokeragePaise).toBe(0);
    expect(model.chargesForFill({ ...inst, type: 'INDEX' }, fill, 0)).toEqual(ZERO_CHARGES);
  });

  it('maps instrument types to schedules; indices are not tradable', () => {
    expect(costSegmentOf('EQUITY')).toBe('EQUITY_INTRADAY');
    expect(costSegmentOf('OPTION')).toBe('OPTIONS');
    expect(costSegmentOf('FUTURE')).toBe('FUTURES');
    expect(costSegmentOf('INDEX')).toBeNull();
  });
});
