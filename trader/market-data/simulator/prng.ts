/**
 * Seeded randomness for the simulator and fault injection. sfc32 (Chris Doty-Humphrey's small
 * fast chaotic generator, PractRand-clean at 32 bits) seeded through splitmix32, plus
 * Box–Muller normals. Never Math.random: the same seed must give the same market on every
 * machine, at every speed.
 */

/** splitmix32 step: a well-mixed 32-bit value from a 32-bit state; used to derive seeds. */
export function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/** Combine several integers into one 32-bit seed (order-sensitive). */
export function seedOf(...parts: readonly number[]): number {
  let h = 0x6a09e667;
  for (const p of parts) {
    // Split doubles beyond 32 bits (day numbers, big seeds) into two words so nothing is lost.
    const lo = p | 0;
    const hi = Math.floor(p / 4_294_967_296) | 0;
    h = mix32(h ^ lo);
    h = mix32(h ^ hi);
  }
  return h;
}

/** FNV-1a of a string, for per-symbol random streams independent of which symbols are chosen. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = 0;
  private hasSpare = false;

  constructor(seed: number) {
    this.a = mix32(seed);
    this.b = mix32(this.a ^ 0x1234567);
    this.c = mix32(this.b ^ 0x7654321);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** Next raw 32-bit unsigned value (sfc32). */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.nextUint32() / 4_294_967_296;
  }

  /** Uniform in (0, 1]: safe for logarithms. */
  floatOpen(): number {
    return (this.nextUint32() + 1) / 4_294_967_296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Standard normal (Box–Muller, the second value of each pair kept for the next call). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    const r = Math.sqrt(-2 * Math.log(this.floatOpen()));
    const theta = 2 * Math.PI * this.float();
    this.spare = r * Math.sin(theta);
    this.hasSpare = true;
    return r * Math.cos(theta);
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -Math.log(this.floatOpen()) * mean;
  }
}

/** A `() => number` in [0, 1) for APIs that take an injectable RNG (reconnect jitter, tests). */
export function uniformSource(seed: number): () => number {
  const p = new Prng(seed);
  return () => p.float();
}
