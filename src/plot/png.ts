/** PNG output: atomic saves, and the size of a PNG from its IHDR chunk. */
import type { Canvas } from '@napi-rs/canvas';
import { writeFileAtomic } from '../io/atomic.js';

/** Encodes `canvas` as PNG and writes it atomically (temp file + rename); returns the bytes. */
export function savePng(canvas: Canvas, path: string): Buffer {
  const buf = canvas.toBuffer('image/png');
  writeFileAtomic(path, [buf]);
  return buf;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height of a PNG; throws if the bytes are not a PNG. */
export function pngSize(buf: Uint8Array): { width: number; height: number } {
  if (buf.length < 24 || SIGNATURE.some((b, i) => buf[i] !== b)) throw new Error('pngSize: not a PNG (bad signature)');
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (String.fromCharCode(...buf.subarray(12, 16)) !== 'IHDR') throw new Error('pngSize: first chunk is not IHDR');
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}
