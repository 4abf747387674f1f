/** A tensor's raw bytes (little-endian, C order) for writing to a file, in bounded pieces. */
import { N } from '../engine/native.js';
import type { DType, Tensor } from '../engine/index.js';

/** Bytes per element of each dtype. */
export const ITEM_BYTES: Record<DType, number> = {
  float32: 4, float64: 8, int64: 8, int32: 4, uint8: 1, bool: 1, float16: 2, bfloat16: 2,
};

/** The most bytes copied out of a tensor at a time. */
const PIECE = 16 * 2 ** 20;

/**
 * The bytes of `t` (any device) in pieces of at most 16 MiB. Each piece is a fresh buffer that
 * lives until garbage collection, so small pieces keep the memory a write adds small, whatever
 * the tensor's size.
 */
export function* tensorBytes(t: Tensor): Generator<Uint8Array> {
  const flat = t.flatten();
  try {
    const per = Math.floor(PIECE / ITEM_BYTES[t.dtype]);
    for (let a = 0; a < flat.numel; a += per) {
      const piece = flat.slice(0, a, a + per);
      try {
        yield new Uint8Array(N.toBuffer(piece.id));
      } finally {
        piece.dispose();
      }
    }
  } finally {
    flat.dispose();
  }
}
