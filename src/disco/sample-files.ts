/**
 * The files of `disco-diff sample`: the samples streamed batch by batch into a .npy, and
 * optionally the latents they used (a second pass of the prior alone, which draws the same codes
 * from the same streams) and a picture of the first samples, so memory holds one batch, not n.
 */
import { cat, type Tensor } from '../engine/index.js';
import { saveNpyRows } from '../io/npy.js';
import { scatterSamples } from '../plot/samples.js';
import type { DataInfo } from '../data/dataset.js';
import type { DiscoDiff } from './model.js';
import { codeBatches, generateBatches, type GenerateOptions } from './sample.js';

/** Where `writeSamples` writes: samples float32 [n, …], latents int64 [n, m], a picture. */
export interface SampleFiles {
  out: string;
  latentsOut?: string;
  png?: string;
}

/**
 * Samples drawn into the picture: a grid shows the first 64 images; a scatter (or histogram) the
 * first 100 000 points, fewer when they have many coordinates (at most 2^24 numbers, 64 MiB).
 */
const PICTURE_ROWS = { images: 64, points: 100_000 }, PICTURE_VALUES = 2 ** 24;

/** Draws `o.n` samples into `files`; returns the sampler's cost. */
export function writeSamples(model: DiscoDiff, info: DataInfo, o: GenerateOptions, files: SampleFiles):
  { nfe: number; seconds: { prior: number; diffusion: number } } {
  const cost = { nfe: 0, seconds: { prior: 0, diffusion: 0 } };
  const shown = { x: [] as Tensor[], codes: [] as Tensor[], rows: 0 };
  const want = !files.png ? 0 : info.shape.length === 1
    ? Math.min(PICTURE_ROWS.points, Math.max(1, Math.floor(PICTURE_VALUES / info.shape[0]!))) : PICTURE_ROWS.images;
  function* samples(): Generator<Tensor> {
    for (const b of generateBatches(model, info, o)) {
      try {
        cost.nfe = b.nfe;
        cost.seconds.prior += b.seconds.prior;
        cost.seconds.diffusion += b.seconds.diffusion;
        const take = Math.min(want - shown.rows, b.x.size(0));
        if (take > 0) {
          shown.x.push(b.x.slice(0, 0, take).clone());
          if (b.codes) shown.codes.push(b.codes.slice(0, 0, take).clone());
          shown.rows += take;
        }
        yield b.x;
      } finally {
        for (const t of [b.x, b.codes, ...b.trajectory]) t?.dispose();
      }
    }
  }
  try {
    saveNpyRows(files.out, 'float32', [o.n, ...info.shape], samples());
    if (files.latentsOut && model.encoder) {
      saveNpyRows(files.latentsOut, 'int64', [o.n, model.encoder.m], disposing(codeBatches(model, info, o)));
    }
    if (files.png) {
      const x = cat(shown.x), codes = shown.codes.length ? cat(shown.codes) : null;
      scatterSamples(files.png, x, codes);
      for (const t of [x, codes]) t?.dispose();
    }
  } finally {
    for (const t of [...shown.x, ...shown.codes]) t.dispose();
  }
  return cost;
}

/** The tensors of `parts`, each disposed once the consumer asks for the next. */
function* disposing(parts: Iterable<Tensor>): Generator<Tensor> {
  for (const t of parts) {
    try {
      yield t;
    } finally {
      t.dispose();
    }
  }
}
