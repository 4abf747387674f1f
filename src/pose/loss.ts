/**
 * The pose-diffusion loss (DiffDock, Corso et al. 2023): the squared error of each predicted score
 * against its target, both divided by the part's scale (src/pose/forward.ts), averaged per part and
 * the three parts averaged with equal weight (DiffDock weights each by 0.33).
 */
import type { Tensor } from '../engine/index.js';

/** Predicted or target normalised scores of a batch: tr and rot [B, 3], tor [T] (T may be 0). */
export interface ScoreTensors {
  tr: Tensor;
  rot: Tensor;
  tor: Tensor;
}

/** The three parts of the loss and their mean. */
export interface PoseLoss {
  total: Tensor;
  tr: Tensor;
  rot: Tensor;
  tor: Tensor | null;
}

/** Mean squared error per part; a batch without rotatable bonds has no torsion part. */
export function poseLoss(pred: ScoreTensors, target: ScoreTensors): PoseLoss {
  const tr = pred.tr.sub(target.tr).square().mean();
  const rot = pred.rot.sub(target.rot).square().mean();
  const tor = target.tor.numel > 0 ? pred.tor.sub(target.tor).square().mean() : null;
  const total = tor ? tr.add(rot).add(tor).div(3) : tr.add(rot).div(2);
  return { total, tr, rot, tor };
}
