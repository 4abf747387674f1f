/**
 * Image tensors: [N, C, H, W] float32 in [-1, 1] (the EDM convention, σ_data = 0.5). Helpers to
 * go from bytes to that range and back, pad, crop and resize.
 */
import { F, tensor, tidy, type Tensor } from '../engine/index.js';

/** uint8 pixels [N, C, H, W] (bytes or a uint8 tensor) → float32 in [-1, 1]. */
export function bytesToImages(data: Uint8Array | Tensor, shape?: [number, number, number, number]): Tensor {
  return tidy(() => {
    const u8 = data instanceof Uint8Array ? tensor(data, { dtype: 'uint8', shape }) : data;
    return u8.float().div(127.5).sub(1);
  });
}

/** [-1, 1] images → uint8 [N, C, H, W] (clamped, rounded). */
export function imagesToBytes(x: Tensor): Tensor {
  return tidy(() => x.clamp(-1, 1).add(1).mul(127.5).round().to({ dtype: 'uint8' }));
}

/** Pads [N, C, h, w] symmetrically to `size`×`size` with `value` (-1 = black background). */
export function padTo(x: Tensor, size: number, value = -1): Tensor {
  const [h, w] = x.shape.slice(2) as [number, number];
  if (h > size || w > size) throw new Error(`padTo: image ${h}×${w} is larger than ${size}×${size}`);
  const top = Math.floor((size - h) / 2), left = Math.floor((size - w) / 2);
  return F.pad(x, [left, size - w - left, top, size - h - top], value);
}

/** The central square of [N, C, H, W]. */
export function centerCropSquare(x: Tensor): Tensor {
  const [h, w] = x.shape.slice(2) as [number, number];
  const s = Math.min(h, w);
  const top = Math.floor((h - s) / 2), left = Math.floor((w - s) / 2);
  return x.slice(2, top, top + s).slice(3, left, left + s);
}

/**
 * Resizes square images [N, C, s, s] to `size`×`size`: box filter (average pooling) for integer
 * down-scaling, which does not alias, else bilinear.
 */
export function resizeSquare(x: Tensor, size: number): Tensor {
  const s = x.size(2);
  if (s === size) return x.clone();
  if (s > size && s % size === 0) return F.avgPool2d(x, s / size);
  return F.interpolate(x, { size: [size, size], mode: 'bilinear' });
}
