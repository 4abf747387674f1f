/**
 * A folder of PNG/JPEG images (searched recursively, sorted by path) as one dataset: each image
 * is converted to 1 (luma) or 3 (RGB) channels, centre-cropped to a square and resized to the
 * resolution. Alpha is composited onto white.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { decode as decodePng, convertIndexedToRgb } from 'fast-png';
import jpeg from 'jpeg-js';
import { cat, tensor, tidy, type Tensor } from '../engine/index.js';
import { ImageFolderDataConfig } from '../config/schema.js';
import type { Dataset } from './dataset.js';
import { centerCropSquare, resizeSquare } from './images.js';

/** The `data` section of an image-folder run. */
export type ImageFolderConfig = ImageFolderDataConfig;

const EXTS = new Set(['.png', '.jpg', '.jpeg']);

/** Every image file under `dir`, sorted. */
export function listImages(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (EXTS.has(extname(e.name).toLowerCase())) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** Samples of `depth` < 8 bits packed MSB-first, rows padded to whole bytes → one byte each. */
function unpackBits(data: Uint8Array, perRow: number, rows: number, depth: number): Uint8Array {
  const out = new Uint8Array(perRow * rows);
  const rowBytes = Math.ceil((perRow * depth) / 8), mask = (1 << depth) - 1;
  for (let y = 0; y < rows; y++) {
    for (let i = 0; i < perRow; i++) {
      const bit = i * depth;
      out[y * perRow + i] = (data[y * rowBytes + (bit >> 3)]! >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}

/** The most pixels an image may have, in millions (decoding takes tens of bytes a pixel). */
export const MAX_MEGAPIXELS = 100;

/** Throws unless a PNG's header (IHDR: width and height at bytes 16–23) gives at most MAX_MEGAPIXELS. */
function checkPngSize(buf: Buffer): void {
  if (buf.length < 24 || buf.toString('latin1', 12, 16) !== 'IHDR') throw new Error('PNG header (IHDR) missing');
  const width = buf.readUInt32BE(16), height = buf.readUInt32BE(20);
  if (width * height > MAX_MEGAPIXELS * 1e6) {
    throw new Error(`${width}×${height} pixels is more than the ${MAX_MEGAPIXELS} megapixels an image may have`);
  }
}

/** Decodes a PNG or JPEG file (at most MAX_MEGAPIXELS) to 8-bit RGB pixels [H, W, 3]. */
export function decodeImage(path: string): { width: number; height: number; rgb: Uint8Array } {
  const buf = readFileSync(path);
  let width: number, height: number, src: ArrayLike<number>, ch: number, max = 255;
  try {
    if (buf[0] === 0x89 && buf[1] === 0x50) {
      checkPngSize(buf);
      const png = decodePng(buf);
      ({ width, height } = png);
      if (png.palette) {
        src = convertIndexedToRgb(png);
        ch = png.palette[0]?.length ?? 3;
      } else {
        ch = png.channels;
        max = 2 ** png.depth - 1;
        src = png.depth < 8 ? unpackBits(png.data as Uint8Array, width * ch, height, png.depth) : png.data;
      }
    } else if (buf[0] === 0xff && buf[1] === 0xd8) {
      const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_MEGAPIXELS });
      ({ width, height } = img);
      src = img.data;
      ch = 4;
    } else throw new Error('not a PNG or JPEG file');
  } catch (e) {
    throw new Error(`cannot decode image ${path}: ${(e as Error).message}`);
  }
  const rgb = new Uint8Array(width * height * 3);
  const alpha = ch === 2 || ch === 4;
  const colour = ch >= 3;
  for (let i = 0; i < width * height; i++) {
    const a = alpha ? src[i * ch + ch - 1]! / max : 1;
    for (let c = 0; c < 3; c++) {
      const v = src[i * ch + (colour ? c : 0)]! / max;
      rgb[i * 3 + c] = Math.round(255 * (v * a + (1 - a)));
    }
  }
  return { width, height, rgb };
}

/** One image file → [1, C, res, res] in [-1, 1]. */
export function loadImage(path: string, resolution: number, channels: 1 | 3): Tensor {
  const { width, height, rgb } = decodeImage(path);
  return tidy(() => {
    const hwc = tensor(rgb, { dtype: 'uint8', shape: [height, width, 3] });
    let x = hwc.permute(2, 0, 1).unsqueeze(0).float().div(127.5).sub(1); // (1, 3, H, W)
    if (channels === 1) {
      const w = tensor([0.299, 0.587, 0.114], { shape: [1, 3, 1, 1] }); // ITU-R BT.601 luma
      x = x.mul(w).sum(1, true);
    }
    return resizeSquare(centerCropSquare(x).contiguous(), resolution).clamp(-1, 1);
  });
}

/** The folder's images as a dataset [N, C, res, res] in [-1, 1] (unlabelled); other keys take the schema's defaults. */
export function loadImageFolder(cfg: Pick<ImageFolderConfig, 'path'> & Partial<ImageFolderConfig>): Dataset {
  const { path, resolution, channels } = ImageFolderDataConfig.parse({ ...cfg, kind: 'image-folder' });
  if (!existsSync(path) || !statSync(path).isDirectory()) throw new Error(`image folder not found: ${path}`);
  const files = listImages(path);
  if (!files.length) throw new Error(`image folder ${path} holds no .png/.jpg/.jpeg files`);
  const x = tidy(() => {
    const parts: Tensor[] = [];
    for (const f of files) {
      try {
        parts.push(loadImage(f, resolution, channels));
      } catch (e) {
        throw new Error(`image folder ${path}: ${relative(path, f)}: ${(e as Error).message}`);
      }
    }
    return cat(parts, 0);
  });
  return { name: `image-folder:${path}`, x, labels: null, numClasses: 0 };
}
