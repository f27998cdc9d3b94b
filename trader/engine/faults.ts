/**
 * Crash points for the crash suite (reliability.md §4 harness): the three windows where a crash
 * is most dangerous. The composition root builds hooks from `TFL_FAULT_POINT=<point>:<n>` (kill
 * the process the n-th time the point is reached); everywhere else they are a no-op.
 */
export type FaultPoint =
  /** The intent is saved, the order not yet sent. */
  | 'after_intent'
  /** The broker accepted the order; its acknowledgement is not yet saved. */
  | 'after_accept'
  /** A fill arrived; it is not yet saved. */
  | 'after_fill';

export const FAULT_POINTS: readonly FaultPoint[] = ['after_intent', 'after_accept', 'after_fill'];

export interface FaultHooks {
  at(point: FaultPoint): void;
}

export const noFaults: FaultHooks = { at: () => undefined };

/** Parse `point:n`; `die` is called the n-th time the point is reached (it must not return). */
export function faultHooks(spec: string, die: (point: FaultPoint, n: number) => void): FaultHooks {
  const m = /^(after_intent|after_accept|after_fill):([1-9]\d*)$/.exec(spec.trim());
  if (m === null) throw new Error(`TFL_FAULT_POINT: expected <${FAULT_POINTS.join('|')}>:<n>, got '${spec}'`);
  const point = m[1] as FaultPoint;
  const nth = Number(m[2]);
  let seen = 0;
  return {
    at(p: FaultPoint): void {
      if (p !== point) return;
      seen += 1;
      if (seen === nth) die(p, seen);
    },
  };
}
