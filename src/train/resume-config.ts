/**
 * What `--resume` may change. The training-loop settings (train.*, but for the seed, which fixes
 * the data and the initialisation, and the dtype of the weights) and the prior and sampling
 * settings (Stage I does not use them) may change; the model, data, latents, encoder and EDM
 * settings define the trained state and may not — but for those a plain DM has no use for: with
 * latents off before and after, the latents', the encoder's and the MLP's latent keys may change
 * (e.g. a default of them).
 */
import type { RunConfig } from '../config/schema.js';
import { isRecord } from '../io/json.js';

/** Changed leaves of a config: dotted key → [before, after] (arrays are compared whole). */
export type ConfigChanges = Record<string, [unknown, unknown]>;

const FIXED = ['data', 'model', 'latents', 'encoder', 'edm', 'train.seed', 'train.dtype'];

/** Keys without a use in a run without latents. */
const LATENT_ONLY = ['latents', 'encoder', 'model.latentInput', 'model.codeModes', 'model.codeCovariance', 'model.analyticGaussian'];

const under = (k: string, prefixes: readonly string[]) => prefixes.some((f) => k === f || k.startsWith(`${f}.`));

/** The leaf-by-leaf differences from `before` to `after`. */
export function configChanges(before: RunConfig, after: RunConfig): ConfigChanges {
  const a = leaves(before), b = leaves(after);
  const out: ConfigChanges = {};
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    if (JSON.stringify(a.get(k)) !== JSON.stringify(b.get(k))) out[k] = [a.get(k) ?? null, b.get(k) ?? null];
  }
  return out;
}

/**
 * Throws naming the changed keys that a resumed run cannot take (`source`: where `before` came from;
 * `latents`: whether the run has latents before or after).
 */
export function checkResumable(changes: ConfigChanges, source: string, latents: boolean): void {
  const fixed = Object.keys(changes).filter((k) => under(k, FIXED) && (latents || k === 'latents.enabled' || !under(k, LATENT_ONLY)));
  if (fixed.length) {
    throw new Error(`--resume cannot change ${fixed.map((k) => `${k} (${formatChange(changes[k]!)})`).join(', ')}: ` +
      `the state in ${source} was trained with it; start a new run (another --out, or --init-from) instead`);
  }
}

/** "train.lr 0.1 → 0.001, train.steps 200 → 300". */
export function describeChanges(changes: ConfigChanges): string {
  return Object.entries(changes).map(([k, c]) => `${k} ${formatChange(c)}`).join(', ');
}

function formatChange([from, to]: [unknown, unknown]): string {
  return `${JSON.stringify(from)} → ${JSON.stringify(to)}`;
}

function leaves(v: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (!isRecord(v)) out.set(prefix, v);
  else for (const [k, x] of Object.entries(v)) leaves(x, prefix ? `${prefix}.${k}` : k, out);
  return out;
}
