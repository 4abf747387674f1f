/**
 * The image page's jobs: a grid of samples under chosen latents, and latent switching (the same
 * noise with z₁, with z₁ switched to z₂ below σ, and with z₂) shown side by side. Results carry
 * PNG grids as data URLs.
 */
import { Generator, tidy, type Tensor } from '../engine/index.js';
import { generate } from '../disco/sample.js';
import { switchingRows } from '../disco/switching.js';
import { edmSigmas } from '../edm/schedule.js';
import { imageGrid } from '../plot/images.js';
import { drawCodes, drawLabels, sampleSettings, type Served } from './latents.js';
import type { ImagesRequest, SwitchRequest } from './validate.js';

export interface ImagesResult {
  kind: 'images';
  /** The grid, row by row, as a PNG data URL. */
  image: string;
  cols: number;
  /** Codes [n][m] of the samples (null without latents), and their class labels. */
  codes: number[][] | null;
  labels: number[] | null;
  nfe: number;
  seconds: number;
}

export interface SwitchResult {
  kind: 'switch';
  /** z₁ throughout, z₁ switched to z₂ below σ, z₂ throughout: one PNG grid each. */
  panels: { label: string; image: string }[];
  cols: number;
  /** Steps sampled with z₁ before the switch, of `steps`. */
  switchStep: number;
  steps: number;
}

/** A batch [N, C, H, W] in [−1, 1] as a PNG grid data URL. */
export function pngDataUrl(images: Tensor, cols: number): string {
  return `data:image/png;base64,${imageGrid(images, { cols, pad: 1 }).toBuffer('image/png').toString('base64')}`;
}

export function sampleImages(S: Served, r: ImagesRequest, progress: (done: number, total: number) => void): ImagesResult {
  const g = new Generator(r.latentSeed);
  try {
    return tidy(() => {
      const labels = drawLabels(S, r.n, r.class, g);
      const codes = drawCodes(S, r.n, r.latents, g, labels);
      const out = generate(S.L.model, S.L.info, { n: r.n, seed: r.seed, sample: sampleSettings(S, r), codes: codes ?? undefined,
        labels, onStep: (s) => progress(s.i + 1, r.steps) });
      const cols = Math.ceil(Math.sqrt(r.n));
      return { kind: 'images', image: pngDataUrl(out.x, cols), cols, codes: (codes?.toArray() as number[][] | undefined) ?? null,
        labels: (labels?.toArray() as number[] | undefined) ?? null, nfe: out.nfe, seconds: out.seconds.diffusion };
    });
  } finally {
    g.dispose();
  }
}

export function switchImages(S: Served, r: SwitchRequest): SwitchResult {
  const k = S.L.model.encoder?.k;
  if (k === undefined) throw new Error('latent switching needs a run with latents');
  const g1 = new Generator(r.latentSeed), g2 = new Generator(r.switchSeed);
  try {
    return tidy(() => {
      const labels = drawLabels(S, r.n, r.class, g1);
      const z1 = drawCodes(S, r.n, r.latents, g1, labels)!, z2 = drawCodes(S, r.n, r.switchLatents, g2, labels)!;
      const sample = sampleSettings(S, r);
      const sigmas = edmSigmas(r.steps, sample);
      const switchStep = sigmas.slice(0, -1).filter((s) => s > r.sigma).length;
      const rows = switchingRows(S.L.model.denoiser, S.L.info.shape, k, z1, z2,
        { sample, seed: r.seed, fractions: [switchStep / r.steps], labels });
      const labelsOut = ['z₁ only', `z₁, then z₂ below σ = ${r.sigma}`, 'z₂ only'];
      const cols = Math.ceil(Math.sqrt(r.n));
      return { kind: 'switch', panels: rows.map((row, i) => ({ label: labelsOut[i]!, image: pngDataUrl(row.images, cols) })),
        cols, switchStep, steps: r.steps };
    });
  } finally {
    g1.dispose();
    g2.dispose();
  }
}
