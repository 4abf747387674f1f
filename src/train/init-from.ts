/**
 * `--init-from`: a new Stage I that starts from a trained run's EMA weights wherever the networks
 * share a tensor (same name and shape); the rest (encoder, cross-attention, latent embeddings)
 * starts fresh. DisCo-Diff (Xu et al. 2024) starts class-conditional Stage I from a pre-trained
 * EDM model this way.
 */
import { nonFiniteSummary } from '../engine/index.js';
import { loadCheckpoint } from '../io/index.js';
import type { StateDict } from '../nn/module.js';
import type { DiscoDiff } from '../disco/model.js';
import { RunDir } from './run-dir.js';

/** Up to five names, then how many more. */
function some(names: string[]): string {
  return names.slice(0, 5).join(', ') + (names.length > 5 ? ` and ${names.length - 5} more` : '');
}

/**
 * Why `weights` cannot start `own`: tensors this model lacks, or of another shape or dtype, as
 * one phrase; null when every tensor fits.
 */
function misfit(weights: StateDict, own: StateDict): string | null {
  const shared = [...weights].filter(([k]) => own.has(k));
  const foreign = [...weights.keys()].filter((k) => !own.has(k));
  const shape = shared.filter(([k, t]) => own.get(k)!.shape.join() !== t.shape.join()).map(([k]) => k);
  const dtype = shared.filter(([k, t]) => own.get(k)!.dtype !== t.dtype)
    .map(([k, t]) => `${k} (${t.dtype}, this config ${own.get(k)!.dtype})`);
  const parts = [
    foreign.length ? `not in this model: ${some(foreign)}` : '',
    shape.length ? `other shape: ${some(shape)}` : '',
    dtype.length ? `other dtype (see train.dtype): ${some(dtype)}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : null;
}

/**
 * Copies a trained run's EMA weights into every tensor of `model` with the same name and shape,
 * after checking that they are finite and that every tensor fits (name, shape, dtype).
 */
export function initFromRun(model: DiscoDiff, dir: string, quiet?: boolean): void {
  const src = new RunDir(dir);
  src.require(src.checkpoint, 'a trained run for --init-from');
  const ck = loadCheckpoint(src.checkpoint);
  try {
    const weights = ck.ema.size ? ck.ema : ck.model;
    const bad = nonFiniteSummary(weights);
    if (bad) throw new Error(`--init-from ${dir}: its weights hold non-finite values: ${bad}`);
    const own = model.stateDict();
    const why = misfit(weights, own);
    if (why) throw new Error(`--init-from ${dir}: its network differs from this config's (${why})`);
    model.loadStateDict(weights, false);
    if (!quiet) {
      const fresh = [...own.keys()].filter((k) => !weights.has(k)).length;
      console.error(`initialised ${weights.size} tensors from ${src.checkpoint}; ${fresh} start fresh`);
    }
  } finally {
    ck.dispose();
  }
}
