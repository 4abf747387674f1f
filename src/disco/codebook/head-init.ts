/**
 * Data-dependent initialisation of an encoder's logits head (the image counterpart of the 2-D
 * codebook's k-means start, and of VQ codebooks initialised by k-means on a first batch): per
 * latent, k-means++ and Lloyd on the encoder's features of a batch of training images; code j's
 * logit becomes α(2 c_j·f − ‖c_j‖²), so the argmax code of an image is its nearest centre, and α is
 * set so that the mean largest code probability on the batch is `confidence`. The codes then start
 * as clusters of the data, which the denoiser can use from the first steps, instead of the near-
 * uniform, image-independent codes of a random head (docs/latents.md).
 */
import { noGrad, stack, tidy, type Generator, type Tensor } from '../../engine/index.js';
import type { LatentEncoder } from '../encoder.js';
import { kmeans, sqDistances } from './kmeans.js';

/**
 * Weights [m, dim, k] and biases [m, k] of per-latent logits heads from features [N, m, dim]: per
 * latent, k-means centres c and α(2c·f − ‖c‖²) (see above).
 */
export function kmeansHeads(features: Tensor, k: number, generator: Generator, confidence = 0.5):
  { weight: Tensor; bias: Tensor } {
  return noGrad(() => tidy(() => {
    const m = features.size(1);
    const ws: Tensor[] = [], bs: Tensor[] = [];
    for (let i = 0; i < m; i++) {
      const f = features.select(1, i); // (N, dim)
      const c = kmeans(f, k, generator).centres;
      const logitsAt = (alpha: number) => sqDistances(f, c).mul(-alpha); // = α(2c·f − ‖c‖²) − α‖f‖²
      // Bisection on ln α for the mean max probability (increasing in α).
      let lo = -12, hi = 6;
      for (let t = 0; t < 30; t++) {
        const mid = (lo + hi) / 2;
        const p = tidy(() => logitsAt(Math.exp(mid)).softmax(1).max(1).mean().item());
        if (p < confidence) lo = mid; else hi = mid;
      }
      const alpha = Math.exp((lo + hi) / 2);
      ws.push(c.transpose(0, 1).mul(2 * alpha));
      bs.push(c.square().sum(1).mul(-alpha));
    }
    return { weight: stack(ws), bias: stack(bs) };
  }));
}

/**
 * Initialises an encoder's per-latent heads by k-means on its features of the first `n` training
 * images (see above).
 */
export function initHeadsFromData(encoder: LatentEncoder, x: Tensor, generator: Generator,
  o: { labels?: Tensor; n?: number; confidence?: number } = {}): void {
  if (!encoder.features || !encoder.setHeads) throw new Error('k-means head initialisation needs an encoder with per-latent heads');
  const wasTraining = encoder.training;
  encoder.eval();
  tidy(() => {
    const n = Math.min(x.size(0), o.n ?? 2048);
    const f = noGrad(() => encoder.features!(x.slice(0, 0, n), o.labels?.slice(0, 0, n)));
    const { weight, bias } = kmeansHeads(f, encoder.k, generator, o.confidence);
    encoder.setHeads!(weight, bias);
  });
  encoder.train(wasTraining);
}
