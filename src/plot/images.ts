/** Image grids: a batch [N, C, H, W] in [-1, 1] (C = 1 grayscale or 3 RGB) tiled on one canvas. */
import { createCanvas, type Canvas } from '@napi-rs/canvas';
import type { Tensor } from '../engine/index.js';
import { savePng } from './png.js';

/** Grid shape, padding and scale of an image grid. */
export interface ImageGridOptions {
  /** Grid shape; default cols = ceil(√N), rows to fit. */
  rows?: number;
  cols?: number;
  /** Gap between images in output pixels, and its colour. */
  pad?: number;
  padColor?: [number, number, number];
  /** Integer nearest-neighbour upscaling of each image. */
  upscale?: number;
  /** Thicker red lines below these rows (or below every row when true), e.g. between latent groups. */
  rowSeparators?: boolean | number[];
}

/** Tiles the images row by row onto a new canvas. */
export function imageGrid(images: Tensor, o: ImageGridOptions = {}): Canvas {
  if (images.ndim !== 4) throw new Error(`imageGrid: expected [N, C, H, W], got [${images.shape}]`);
  const [N, C, H, W] = images.shape as [number, number, number, number];
  if (C !== 1 && C !== 3) throw new Error(`imageGrid: C must be 1 or 3, got ${C}`);
  const cols = o.cols ?? (o.rows ? Math.ceil(N / o.rows) : Math.ceil(Math.sqrt(N)));
  const rows = o.rows ?? Math.ceil(N / cols);
  const s = o.upscale ?? 1, pad = o.pad ?? 2, [pr, pg, pb] = o.padColor ?? [255, 255, 255];
  const seps = o.rowSeparators === true ? Array.from({ length: rows - 1 }, (_, r) => r) : o.rowSeparators || [];
  const sepW = Math.max(pad, 2) + 2;
  const gapBelow = (r: number): number => (seps.includes(r) ? sepW : pad);
  const rowY: number[] = [pad];
  for (let r = 1; r < rows; r++) rowY.push(rowY[r - 1]! + H * s + gapBelow(r - 1));
  const width = cols * (W * s + pad) + pad, height = rows ? rowY[rows - 1]! + H * s + pad : pad;
  const canvas = createCanvas(width, height), ctx = canvas.getContext('2d');
  const img = ctx.createImageData(width, height), px = img.data;
  for (let i = 0; i < px.length; i += 4) { px[i] = pr; px[i + 1] = pg; px[i + 2] = pb; px[i + 3] = 255; }
  for (const r of seps) {                               // a red bar centred in the gap below row r
    if (r < 0 || r >= rows - 1) continue;
    const y0 = rowY[r]! + H * s + Math.floor((sepW - 2) / 2);
    for (let y = y0; y < y0 + 2; y++) for (let x = 0; x < width; x++) px.set([200, 30, 30, 255], (y * width + x) * 4);
  }
  const data = images.dataSync() as Float32Array;
  for (let n = 0; n < Math.min(N, rows * cols); n++) {
    const ox = pad + (n % cols) * (W * s + pad), oy = rowY[Math.floor(n / cols)]!;
    for (let y = 0; y < H * s; y++) {
      for (let x = 0; x < W * s; x++) {
        const src = Math.floor(y / s) * W + Math.floor(x / s), dst = ((oy + y) * width + ox + x) * 4;
        for (let ch = 0; ch < 3; ch++) {
          const v = data[(n * C + (C === 1 ? 0 : ch)) * H * W + src]!;
          px[dst + ch] = Math.round(Math.min(1, Math.max(-1, v)) * 127.5 + 127.5);
        }
      }
    }
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}

/** Saves an image grid as PNG (atomically); returns its pixel size. */
export function saveImageGrid(path: string, images: Tensor, o: ImageGridOptions = {}): { width: number; height: number } {
  const canvas = imageGrid(images, o);
  savePng(canvas, path);
  return { width: canvas.width, height: canvas.height };
}
