/** Axis scales: data → pixel maps (linear or log10), nice tick positions and tick labels. */

/** A data interval mapped onto a pixel interval, linearly or in log10. */
export class Scale {
  constructor(readonly lo: number, readonly hi: number, readonly p0: number, readonly p1: number, readonly log = false) {
    if (log && !(lo > 0 && hi > 0)) throw new Error(`Scale: log axis needs positive limits, got [${lo}, ${hi}]`);
  }
  private f(v: number): number { return this.log ? Math.log10(v) : v; }
  /** Pixel position of data value v. */
  map(v: number): number {
    const a = this.f(this.lo), b = this.f(this.hi);
    return this.p0 + ((this.f(v) - a) / (b - a || 1)) * (this.p1 - this.p0);
  }
  /** Whether v can be drawn (finite, and positive on a log axis). */
  valid(v: number): boolean { return Number.isFinite(v) && (!this.log || v > 0); }
  ticks(n = 5): number[] { return this.log ? logTicks(this.lo, this.hi) : linearTicks(this.lo, this.hi, n); }
}

/** About n ticks at multiples of 1, 2 or 5 × 10^k inside [lo, hi]. */
export function linearTicks(lo: number, hi: number, n = 5): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const mag = 10 ** Math.floor(Math.log10(span / Math.max(1, n)));
  const step = [1, 2, 5, 10].map((m) => m * mag).reduce((a, b) => (Math.abs(span / b - n) < Math.abs(span / a - n) ? b : a));
  const out: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) out.push(Number((k * step).toPrecision(12)));
  return out;
}

/** Powers of ten inside [lo, hi]; with fewer than two, also 2× and 5× multiples. */
export function logTicks(lo: number, hi: number): number[] {
  const a = Math.floor(Math.log10(lo)), b = Math.ceil(Math.log10(hi));
  const inside = (v: number): boolean => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  const pow = Array.from({ length: b - a + 1 }, (_, i) => 10 ** (a + i)).filter(inside);
  if (pow.length >= 2) {
    const every = Math.ceil(pow.length / 7);                 // at most ~7 labels
    return pow.filter((_, i) => i % every === 0);
  }
  const out: number[] = [];
  for (let e = a; e <= b; e++) for (const m of [1, 2, 5]) if (inside(m * 10 ** e)) out.push(m * 10 ** e);
  return out.length ? out : [lo, hi];
}

const SUP: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/** A compact tick label: 10ᵏ on log axes, else trimmed decimals or exponent notation. */
export function formatTick(v: number, log = false): string {
  if (v === 0) return '0';
  const e = Math.log10(Math.abs(v));
  if (log && Math.abs(e - Math.round(e)) < 1e-9) {
    const k = Math.round(e);
    return k === 0 ? '1' : k === 1 ? '10' : `10${String(k).split('').map((ch) => SUP[ch]).join('')}`;
  }
  if (Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3) return v.toExponential(0).replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}

/** [min, max] of the valid values, padded by `pad` of the span (in log10 on log axes). */
export function dataLimits(values: Iterable<number>, o: { log?: boolean; pad?: number } = {}): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || (o.log && v <= 0)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (lo > hi) return o.log ? [0.1, 10] : [0, 1];
  const pad = o.pad ?? 0.05;
  if (o.log) {
    const a = Math.log10(lo), b = Math.log10(hi), s = (b - a || 1) * pad;
    return [10 ** (a - s), 10 ** (b + s)];
  }
  const s = (hi - lo || Math.abs(hi) || 1) * pad;
  return [lo - s, hi + s];
}
