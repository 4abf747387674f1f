/**
 * Image figures (PNG): sample grids, shared-latent grids (rows share one z, the paper's Fig. 2b /
 * 14), latent switching (Fig. 7b) and group-hierarchical composition. Each figure function takes
 * the sample tensors ([N, C, H, W] in [-1, 1]) and writes one file; `labelledGrid` is the layout
 * they share: a grid of images with optional title, row labels and column labels.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import { tidy, type Tensor } from '../engine/index.js';
import { imagesToBytes } from '../data/images.js';

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

/** Image tensors [N, C, H, W] in [-1, 1] (C = 1 or 3) → N RGBA bitmaps. */
function toRGBA(images: Tensor): { w: number; h: number; rgba: Uint8ClampedArray[] } {
  if (images.ndim !== 4 || ![1, 3].includes(images.size(1))) {
    throw new Error(`image figure: expects images [N, 1|3, H, W], got shape [${images.shape}]`);
  }
  const [N, C, H, W] = images.shape as [number, number, number, number];
  const bytes = tidy(() => imagesToBytes(images.to({ dtype: 'float32' })).dataSync()) as Uint8Array;
  const rgba = Array.from({ length: N }, (_, n) => {
    const out = new Uint8ClampedArray(H * W * 4);
    for (let p = 0; p < H * W; p++) {
      for (let c = 0; c < 3; c++) out[p * 4 + c] = bytes[((n * C) + (C === 1 ? 0 : c)) * H * W + p]!;
      out[p * 4 + 3] = 255;
    }
    return out;
  });
  return { w: W, h: H, rgba };
}

/**
 * Draws rows of images (each row [n, C, H, W]; rows may differ in length) as one PNG with
 * optional title and row/column labels.
 */
export function labelledGrid(path: string, rows: Tensor[], o: GridOptions = {}): void {
  if (!rows.length) throw new Error('labelledGrid: no rows');
  const bitmaps = rows.map(toRGBA);
  const { w, h } = bitmaps[0]!;
  if (bitmaps.some((b) => b.w !== w || b.h !== h)) throw new Error('labelledGrid: all images must have the same size');
  const scale = o.scale ?? Math.max(1, Math.ceil(64 / Math.max(w, h)));
  const gap = o.gap ?? 2, cw = w * scale, ch = h * scale;
  const cols = Math.max(...bitmaps.map((b) => b.rgba.length));
  const font = 12, line = font + 6;
  const measure = createCanvas(1, 1).getContext('2d');
  measure.font = `${font}px sans-serif`;
  const labelW = o.rowLabels ? Math.ceil(Math.max(...o.rowLabels.map((l) => measure.measureText(l).width))) + 8 : 0;
  const top = (o.title ? line + 4 : 0) + (o.colLabels ? line : 0);
  measure.font = `bold ${font + 1}px sans-serif`;
  const titleW = o.title ? Math.ceil(measure.measureText(o.title).width) + 8 : 0;
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
  const tile = createCanvas(w, h);
  const tg = tile.getContext('2d');
  bitmaps.forEach((b, i) => {
    const y = top + gap + i * (ch + gap);
    if (o.rowLabels?.[i]) text(g, o.rowLabels[i]!, labelW - 4, y + ch / 2, 'right');
    b.rgba.forEach((px, j) => {
      const img = tg.createImageData(w, h);
      img.data.set(px);
      tg.putImageData(img, 0, 0);
      g.imageSmoothingEnabled = false;
      g.drawImage(tile, labelW + gap + j * (cw + gap), y, cw, ch);
    });
  });
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, canvas.toBuffer('image/png'));
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
