/** The few-step sampler settings of the 2-D low-NFE comparison, and their labels. */
import type { SampleConfig } from '../config/schema.js';
import { samplerNfe } from '../edm/samplers.js';

/** One setting: sampler, main steps and (Restart) intervals; the rest is the run's `sample`. */
export type LowNfeSetting = Pick<SampleConfig, 'sampler' | 'steps'> & Partial<Pick<SampleConfig, 'restart'>>;

/**
 * By key: Heun 3 steps and Euler 10, and Heun, EDM's stochastic sampler (S_churn = 40) and Restart
 * at equal NFE, 9 and 15. The Restart intervals sit where the 8 Gaussians' modes separate (σ from
 * 0.17 to 10, in the data's units: σ_data ≈ 2.1). On the exact mixture denoiser (n = 2000, one
 * seed) they give W2 1.94 vs Heun 2.33 vs stochastic 3.87 at 9 NFE, and 0.39 vs 0.52 vs 0.79 at
 * 15 NFE (floor 0.32).
 */
export const LOW_NFE: Record<string, LowNfeSetting> = {
  heun3: { sampler: 'heun', steps: 3 },
  heun5: { sampler: 'heun', steps: 5 },
  stochastic5: { sampler: 'stochastic', steps: 5 },
  'restart3+2x1': { sampler: 'restart', steps: 3, restart: [{ tMin: 2.5, tMax: 10, K: 2, steps: 1 }] },
  heun8: { sampler: 'heun', steps: 8 },
  stochastic8: { sampler: 'stochastic', steps: 8 },
  'restart5+1x3': { sampler: 'restart', steps: 5, restart: [{ tMin: 0.17, tMax: 4, K: 1, steps: 3 }] },
  euler10: { sampler: 'euler', steps: 10 },
};

const NAMES = { heun: 'Heun', euler: 'Euler', stochastic: 'stochastic', restart: 'Restart' } as const;

/** "Restart 3 steps + 2×1 in [2.5, 10] (9 NFE)" for a LOW_NFE key (other keys as they are). */
export function lowNfeLabel(key: string): string {
  const s = LOW_NFE[key];
  if (!s) return key;
  const restarts = s.sampler === 'restart' ? (s.restart ?? []).map((r) => ` + ${r.K}×${r.steps} in [${r.tMin}, ${r.tMax}]`).join('') : '';
  return `${NAMES[s.sampler]} ${s.steps} steps${restarts} (${samplerNfe(s.sampler, s.steps, s.restart)} NFE)`;
}

/** A text table of W2 per LOW_NFE key for the plain DM and DisCo-Diff (the benchmarks' printout). */
export function lowNfeTable(w2: Record<string, { dm: number; disco: number }>): string {
  const rows = Object.entries(w2).map(([k, v]) => `${lowNfeLabel(k).padEnd(44)} ${v.dm.toFixed(3).padEnd(7)} ${v.disco.toFixed(3)}`);
  return [`${'W2 at low NFE'.padEnd(44)} ${'DM'.padEnd(7)} DisCo-Diff`, ...rows].join('\n');
}
