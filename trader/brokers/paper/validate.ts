import type { Instrument } from '../../domain/instrument';
import { isOnTick, toRupees } from '../../domain/money';
import type { PriceType, Product, Side } from '../../domain/order';

/** The terms of an order that can be checked against the instrument master. */
export interface OrderTerms {
  readonly side: Side;
  readonly product: Product;
  readonly priceType: PriceType;
  readonly qty: number;
  readonly pricePaise: number;
  readonly triggerPaise: number;
}

/**
 * Broker-style validation (OpenAlgo/Zerodha wording where there is one). Returns the rejection
 * reason, or null when the order is acceptable. Never throws.
 */
export function validateTerms(inst: Instrument, t: OrderTerms): string | null {
  if (inst.type === 'INDEX') return `${inst.exchange}:${inst.symbol} is an index and cannot be traded`;
  if (!Number.isInteger(t.qty) || t.qty <= 0) return 'Quantity must be a positive number.';
  if (t.qty % inst.lotSize !== 0) return `Quantity ${t.qty} is not a multiple of the lot size ${inst.lotSize}`;
  if (inst.freezeQty !== undefined && t.qty > inst.freezeQty) {
    return `Quantity ${t.qty} exceeds the freeze quantity ${inst.freezeQty}; split the order`;
  }
  if ((inst.type === 'OPTION' || inst.type === 'FUTURE') && t.product === 'CNC') {
    return `Product CNC is not allowed for ${inst.exchange} derivatives; use MIS or NRML`;
  }
  switch (t.priceType) {
    case 'MARKET':
      return null;
    case 'LIMIT':
      return checkPrice(inst, 'Price', t.pricePaise, 'LIMIT');
    case 'SL': {
      const bad = checkPrice(inst, 'Trigger price', t.triggerPaise, 'SL') ?? checkPrice(inst, 'Price', t.pricePaise, 'SL');
      if (bad !== null) return bad;
      if (t.side === 'BUY' && t.triggerPaise > t.pricePaise) {
        return `Trigger price ${rupees(t.triggerPaise)} for a stoploss buy order must be at or below the limit price ${rupees(t.pricePaise)}`;
      }
      if (t.side === 'SELL' && t.triggerPaise < t.pricePaise) {
        return `Trigger price ${rupees(t.triggerPaise)} for a stoploss sell order must be at or above the limit price ${rupees(t.pricePaise)}`;
      }
      return null;
    }
    case 'SL-M':
      return checkPrice(inst, 'Trigger price', t.triggerPaise, 'SL-M');
  }
}

function checkPrice(inst: Instrument, what: string, paise: number, priceType: PriceType): string | null {
  if (!Number.isFinite(paise) || paise <= 0) return `${what} is required for ${priceType} orders`;
  if (!isOnTick(paise, inst.tickPaise)) {
    return `${what} ${rupees(paise)} is not a multiple of the tick size ${rupees(inst.tickPaise)}`;
  }
  return null;
}

function rupees(paise: number): string {
  return toRupees(paise).toFixed(2);
}
