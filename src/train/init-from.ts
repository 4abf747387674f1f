/**
 * `--init-from`: a new Stage I that starts from a trained run's EMA weights wherever the networks
 * share a tensor (same name and shape); the rest (encoder, cross-attention, latent embeddings)
 * starts fresh. DisCo-Diff (Xu et al. 2024) starts class-conditional Stage I from a pre-trained
 * EDM model this way.
 */
import { loadCheckpoint } from '../io/index.js';
import type { DiscoDiff } from '../disco/model.js';
import { RunDir } from './run-dir.js';

/** Copies a trained run's EMA weights into every tensor of `model` with the same name and shape. */
export function initFromRun(model: DiscoDiff, dir: string, quiet?: boolean): void {
  const src = new RunDir(dir);
  src.require(src.checkpoint, 'a trained run for --init-from');
  const ck = loadCheckpoint(src.checkpoint);
  try {
    const weights = ck.ema.size ? ck.ema : ck.model;
    const own = model.stateDict();
    const foreign = [...weights.keys()].filter((k) => !own.has(k));
    const mismatch = [...weights].filter(([k, t]) => own.has(k) && own.get(k)!.shape.join() !== t.shape.join()).map(([k]) => k);
    if (foreign.length || mismatch.length) {
      throw new Error(`--init-from ${dir}: its network differs from this config's (` +
        [foreign.length ? `not in this model: ${foreign.slice(0, 5).join(', ')}` : '',
          mismatch.length ? `other shape: ${mismatch.slice(0, 5).join(', ')}` : ''].filter(Boolean).join('; ') + ')');
    }
    model.loadStateDict(weights, false);
    if (!quiet) {
      const fresh = [...own.keys()].filter((k) => !weights.has(k)).length;
      console.error(`initialised ${weights.size} tensors from ${src.checkpoint}; ${fresh} start fresh`);
    }
  } finally {
    ck.dispose();
  }
}
