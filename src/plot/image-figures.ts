/**
 * Image figures (PNG): sample grids, shared-latent grids (rows share one z, the paper's Fig. 2b /
 * 14), latent switching (Fig. 7b) and group-hierarchical composition. Each figure function takes
 * the sample tensors ([N, C, H, W] in [-1, 1]) and writes one file; `labelledGrid` is the layout
 * they share: `imageGrid` strips (./images.ts) with optional title, row labels and column labels.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import { tidy, type Tensor } from '../engine/index.js';
import { imageGrid } from './images.js';
import { savePng } from './png.js';

/** Title and labels of an image-grid figure. */
export interface GridOptions {
  /** Title above the grid. */
  title?: string;
  /** One label per row (left of the row). */
  rowLabels?: string[];
  /** One label per column (above it). */
  colLabels?: string[];
  /** Integer upscaling of each image (nearest neighbour; default: to at least 64 px). */
  scale?: number;
  /** Gap between images in px. */
  gap?: number;
}

/**
 * Draws rows of images (each row [n, C, H, W] in [-1, 1]; rows may differ in length) as one PNG
 * with optional title and row/column labels; each row is an `imageGrid` strip.
 */
export function labelledGrid(path: string, rows: Tensor[], o: GridOptions = {}): void {
  if (!rows.length) throw new Error('labelledGrid: no rows');
  for (const r of rows) {
    if (r.ndim !== 4 || ![1, 3].includes(r.size(1))) throw new Error(`image figure: expects images [N, 1|3, H, W], got shape [${r.shape}]`);
  }
  const [h, w] = rows[0]!.shape.slice(2) as [number, number];
  if (rows.some((r) => r.size(2) !== h || r.size(3) !== w)) throw new Error('labelledGrid: all images must have the same size');
  const scale = o.scale ?? Math.max(1, Math.ceil(64 / Math.max(w, h)));
  const gap = o.gap ?? 2, cw = w * scale, ch = h * scale;
  const cols = Math.max(...rows.map((r) => r.size(0)));
  const font = 12, line = font + 6;
  const measure = createCanvas(1, 1).getContext('2d');
  measure.font = `${font}px sans-serif`;
  const labelW = o.rowLabels ? Math.ceil(Math.max(...o.rowLabels.map((l) => measure.measureText(l).width))) + 8 : 0;
  measure.font = `bold ${font + 1}px sans-serif`;
  const titleW = o.title ? Math.ceil(measure.measureText(o.title).width) + 8 : 0;
  const top = (o.title ? line + 4 : 0) + (o.colLabels ? line : 0);
  const width = Math.max(labelW + cols * (cw + gap) + gap, titleW), height = top + rows.length * (ch + gap) + gap;
  const canvas = createCanvas(width, height);
  const g = canvas.getContext('2d');
  g.fillStyle = 'white';
  g.fillRect(0, 0, width, height);
  g.fillStyle = 'black';
  g.font = `${font}px sans-serif`;
  g.textBaseline = 'middle';
  if (o.title) text(g, o.title, width / 2, line / 2 + 2, 'center', `bold ${font + 1}px sans-serif`);
  o.colLabels?.forEach((l, j) => text(g, l, labelW + gap + j * (cw + gap) + cw / 2, top - line / 2, 'center'));
  rows.forEach((r, i) => {
    const y = top + i * (ch + gap); // each strip carries its own gap above and below
    if (o.rowLabels?.[i]) text(g, o.rowLabels[i]!, labelW - 4, y + gap + ch / 2, 'right');
    const strip = tidy(() => imageGrid(r.to({ dtype: 'float32' }), { rows: 1, cols: r.size(0), upscale: scale, pad: gap }));
    g.drawImage(strip, labelW, y);
  });
  mkdirSync(dirname(path), { recursive: true });
  savePng(canvas, path);
}

function text(g: SKRSContext2D, s: string, x: number, y: number, align: 'left' | 'center' | 'right', font?: string): void {
  const prev = g.font;
  if (font) g.font = font;
  g.textAlign = align;
  g.fillText(s, x, y);
  g.font = prev;
}

/** Splits [R·n, …] into R rows of n. */
export function toRows(images: Tensor, perRow: number): Tensor[] {
  const N = images.size(0);
  if (N % perRow) throw new Error(`toRows: ${N} images do not fill rows of ${perRow}`);
  return Array.from({ length: N / perRow }, (_, r) => images.slice(0, r * perRow, (r + 1) * perRow));
}

/** Uncurated samples as a cols-wide grid. */
export function sampleGridFigure(path: string, images: Tensor, o: GridOptions & { cols?: number } = {}): void {
  const cols = o.cols ?? Math.ceil(Math.sqrt(images.size(0)));
  const rows = tidy(() => {
    const out: Tensor[] = [];
    for (let s = 0; s < images.size(0); s += cols) out.push(images.slice(0, s, s + cols));
    return out;
  });
  try { labelledGrid(path, rows, o); } finally { for (const r of rows) r.dispose(); }
}

/**
 * Samples that share a latent per row (Fig. 2b / 14): `images` [R·n, …] in row order, row r
 * drawn with codes `codes[r]` (printed as the row label when given, e.g. "z = 3 41 7 …").
 */
export function sharedLatentFigure(path: string, images: Tensor, perRow: number,
  o: GridOptions & { codes?: number[][] } = {}): void {
  const rows = toRows(images, perRow);
  const rowLabels = o.rowLabels ?? o.codes?.map((c) => `z = ${c.slice(0, 6).join(' ')}${c.length > 6 ? ' …' : ''}`);
  try {
    labelledGrid(path, rows, { title: 'Each row shares one discrete latent z', ...o, rowLabels });
  } finally {
    for (const r of rows) r.dispose();
  }
}

/** Latent switching (Fig. 7b): one row per switching point, same initial noise in every column. */
export function latentSwitchingFigure(path: string, rows: { label: string; images: Tensor }[], o: GridOptions = {}): void {
  labelledGrid(path, rows.map((r) => r.images), {
    title: 'Switching z during sampling', ...o, rowLabels: o.rowLabels ?? rows.map((r) => r.label),
  });
}

/**
 * Group-hierarchical composition: `images` [R·C, …], cell (r, c) drawn with the low-resolution
 * group codes of row r and the high-resolution group codes of column c.
 */
export function groupCompositionFigure(path: string, images: Tensor, cols: number, o: GridOptions = {}): void {
  const rows = toRows(images, cols);
  try {
    labelledGrid(path, rows, {
      title: 'Rows: low-resolution latent group · columns: high-resolution groups',
      rowLabels: rows.map((_, r) => `row ${r + 1}`), colLabels: Array.from({ length: cols }, (_, c) => `col ${c + 1}`), ...o,
    });
  } finally {
    for (const r of rows) r.dispose();
  }
}

/**
 * What a latent's codes hold: for each of a few latents (rows), the mean of the data images each of
 * its most-used codes gives (columns, most members first), labelled with the code and its count.
 * `means` [L, K, C, H, W] and `counts` [L][K] in that order.
 */
export function codeMeansFigure(path: string, means: Tensor, codes: number[][], counts: number[][], latents: number[],
  o: GridOptions = {}): void {
  const rows = tidy(() => latents.map((_, r) => means.select(0, r)));
  try {
    labelledGrid(path, rows, { title: 'Mean image of each code\'s members (most-used codes first)',
      rowLabels: latents.map((j, r) => `latent ${j}: ${codes[r]!.map((c, i) => `${c}·${counts[r]![i]}`).slice(0, 3).join(' ')}…`), ...o });
  } finally {
    for (const r of rows) r.dispose();
  }
}
