/**
 * Quick looks at samples: points coloured by latent code (2-D as they are, D > 2 on their first
 * two principal components, 1-D as a histogram), or an image grid.
 */
import type { Tensor } from '../engine/index.js';
import { Figure } from './figure.js';
import { scatter, polyline } from './series.js';
import { categoryColor } from './colors.js';
import { dataLimits } from './scale.js';
import { saveImageGrid } from './images.js';
import { principalAxes, projectOnAxes } from './pca.js';

/** Bins of the 1-D histogram. */
const BINS = 60;

/**
 * Draws samples [N, D] (coloured by the first latent when codes [N, m] are given) or images
 * [N, C, H, W]: D = 2 as a scatter, D > 2 as a scatter on PC1/PC2, D = 1 as a histogram.
 */
export function scatterSamples(path: string, x: Tensor, codes?: Tensor | null): void {
  if (x.ndim === 4) {
    const n = Math.min(x.size(0), 64);
    const s = x.slice(0, 0, n);
    saveImageGrid(path, s, { cols: Math.ceil(Math.sqrt(n)) });
    s.dispose();
    return;
  }
  if (x.ndim !== 2) throw new Error(`can only draw points [N, D] or images [N, C, H, W], got [${x.shape}]`);
  const first = codes ? codes.select(1, 0) : null;
  const cats = first ? first.toFlatArray() : null;
  first?.dispose();
  const fig = new Figure({ panelWidth: 420, panelHeight: 420, margin: { left: 48, right: 12, top: 30, bottom: 40 } });
  if (x.size(1) === 1) histogram(fig, x.toFlatArray(), cats);
  else pointScatter(fig, x, cats);
  fig.save(path);
}

/** Points [N, 2] as they are, or [N, D > 2] on their first two principal components. */
function pointScatter(fig: Figure, x: Tensor, cats: number[] | null): void {
  const D = x.size(1);
  const p = D === 2 ? null : principalAxes(x);
  const xy = p ? projectOnAxes(x, p) : x;
  const lim = dataLimits(xy.toFlatArray(), { pad: 0.05 });
  const ax = fig.axes(0, 0, {
    xlim: lim, ylim: lim, equal: true,
    title: p ? `${x.size(0)} samples on PC1, PC2 (D = ${D})` : `${x.size(0)} samples`,
    ...(p ? { xlabel: 'PC1', ylabel: 'PC2' } : {}),
  });
  scatter(ax, xy, cats ? { categories: cats, alpha: 0.5 } : { alpha: 0.5 });
  ax.frame();
  if (p) for (const t of [xy, p.mean, p.axes]) t.dispose();
}

/** 1-D points as a histogram of counts: all points in grey, and one line per code when codes are given. */
function histogram(fig: Figure, v: number[], cats: number[] | null): void {
  const [lo, hi] = dataLimits(v, { pad: 0.02 });
  const width = (hi - lo) / BINS;
  const bin = (u: number) => Math.min(BINS - 1, Math.max(0, Math.floor((u - lo) / width)));
  const count = (keep: (i: number) => boolean) => {
    const c = new Array<number>(BINS).fill(0);
    v.forEach((u, i) => { if (keep(i)) c[bin(u)]! += 1; });
    return c;
  };
  const all = count(() => true);
  const ax = fig.axes(0, 0, { xlim: [lo, hi], ylim: [0, 1.05 * Math.max(1, ...all)], title: `${v.length} samples (D = 1)`,
    xlabel: 'x', ylabel: 'count' });
  // Counts as steps: each bin a flat segment from its left edge to its right edge.
  const steps = (c: number[], color: string, lw: number) => polyline(ax,
    c.flatMap((_, b) => [lo + b * width, lo + (b + 1) * width]), c.flatMap((y) => [y, y]), { color, width: lw });
  steps(all, '#444444', 1.8);
  if (cats) for (const z of [...new Set(cats)].sort((a, b) => a - b)) steps(count((i) => cats[i] === z), categoryColor(z), 1.2);
  ax.frame();
}
