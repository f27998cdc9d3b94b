/**
 * Money is exact: prices and P&L are carried in integer paise. Rupee floats exist only at the
 * boundaries (wire formats, CSV, reports). 1 rupee = 100 paise.
 */
export type Paise = number;

/** Rupees (possibly with float artefacts such as 22474.750000001) → integer paise. */
export function toPaise(rupees: number): Paise {
  return Math.round(rupees * 100);
}

/** Integer paise → rupees for reports and wire formats. */
export function toRupees(paise: Paise): number {
  return paise / 100;
}

/** Snap a price in paise to the instrument's grid, to the nearest tick (half away from zero). */
export function snapToTick(paise: Paise, tickPaise: number): Paise {
  return Math.round(paise / tickPaise) * tickPaise;
}

/** Snap down (for a long's stop or a short's target) / up, to stay on the conservative side. */
export function snapDown(paise: Paise, tickPaise: number): Paise {
  return Math.floor(paise / tickPaise) * tickPaise;
}
export function snapUp(paise: Paise, tickPaise: number): Paise {
  return Math.ceil(paise / tickPaise) * tickPaise;
}

export function isOnTick(paise: Paise, tickPaise: number): boolean {
  return Number.isInteger(paise) && paise % tickPaise === 0;
}
