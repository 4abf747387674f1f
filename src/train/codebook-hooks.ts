/**
 * When Stage I touches the codebook. In DisCo-Diff (Xu et al. 2024) the encoder and the App. F
 * model's per-code centres learn by gradient alone; our remedies for codes that go unused
 * (docs/latents.md) act at two points of the loop: at the start of a new run, the data-dependent
 * starts (k-means logits heads of a ViT encoder, the analytic denoiser's per-code centres), and
 * after each optimizer update, the centres' EMA refit and code restarts on the step's batch. What
 * they do is in src/disco/codebook/ (analytic-codebook.ts, head-init.ts).
 */
import type { Generator } from '../engine/index.js';
import type { RunConfig } from '../config/schema.js';
import type { Dataset } from '../data/dataset.js';
import type { DiscoDiff } from '../disco/model.js';
import type { AnalyticCodebook, CodeBatch } from '../disco/codebook/analytic-codebook.js';
import { initHeadsFromData } from '../disco/codebook/head-init.js';

/** A new run's data-dependent start: k-means heads (encoder.headInit 'kmeans'), then the codebook's centres. */
export function initCodebook(cfg: RunConfig, model: DiscoDiff, codebook: AnalyticCodebook | null, data: Dataset, gen: Generator): void {
  const labels = data.numClasses > 0 ? data.labels ?? undefined : undefined;
  if (cfg.encoder?.kind === 'vit' && cfg.encoder.headInit === 'kmeans') initHeadsFromData(model.encoder!, data.x, gen, { labels });
  codebook?.init(data.x, gen, labels);
}

/** Whether the batch of step `step` (1-based) must be kept for `codebookAfterStep`. */
export function keepsBatch(codebook: AnalyticCodebook | null, step: number): boolean {
  return !!codebook?.needsBatch(step);
}

/**
 * After the optimizer update of step `step`: the EMA refit and, when due, the restarts on the step's
 * batch, which is freed. Returns the restart moves made.
 */
export function codebookAfterStep(codebook: AnalyticCodebook | null, step: number, batch: CodeBatch | null, gen: Generator): number {
  if (!batch || !codebook) return 0;
  const moves = codebook.afterStep(step, batch, gen);
  batch.x.dispose();
  batch.codes.dispose();
  return moves;
}
