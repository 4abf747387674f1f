/** RUN/metrics.json: written only when every number in it is finite. */
import { writeTextAtomic } from '../io/atomic.js';

/** Writes `metrics` as JSON to `path`; non-finite numbers are an error naming their fields. */
export function writeEvalMetrics(path: string, metrics: object): void {
  const bad = nonFiniteFields(metrics);
  if (bad.length) {
    throw new Error(`evaluation gave non-finite metrics, ${path} not written: ${bad.slice(0, 5).join(', ')}` +
      (bad.length > 5 ? ` and ${bad.length - 5} more` : ''));
  }
  writeTextAtomic(path, JSON.stringify(metrics, null, 2));
}

/** "w2 = NaN", "lowNfe.heun3 = Infinity", "curvature.value[4] = NaN", … */
function nonFiniteFields(v: unknown, path = ''): string[] {
  if (typeof v === 'number') return Number.isFinite(v) ? [] : [`${path} = ${v}`];
  if (Array.isArray(v)) return v.flatMap((x, i) => nonFiniteFields(x, `${path}[${i}]`));
  if (v !== null && typeof v === 'object') {
    return Object.entries(v).flatMap(([k, x]) => nonFiniteFields(x, path ? `${path}.${k}` : k));
  }
  return [];
}
