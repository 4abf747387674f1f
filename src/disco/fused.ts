/**
 * Whether DisCo-Diff's fused CPU kernels (native/disco_ops.cc: the Gumbel-Softmax sample, the
 * analytic skip, the codebook refits) take a call: every tensor on the CPU, all float32 or all
 * float64, and the kernels on. Elsewhere (CUDA, other dtypes, or `DISCO_FUSED=0`) the TypeScript composites
 * beside each call run: they are the formulas, and the kernels' tests check against them.
 */
import type { Tensor } from '../engine/index.js';

let enabled = process.env.DISCO_FUSED !== '0';

/** Turns the fused kernels on or off (tests and benches compare the two paths); returns the old setting. */
export function useFusedKernels(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

/** Whether the fused kernels take these tensors (see above). */
export function fusable(...ts: Tensor[]): boolean {
  const dtype = ts[0]?.dtype;
  return enabled && (dtype === 'float32' || dtype === 'float64') && ts.every((t) => t.device === 'cpu' && t.dtype === dtype);
}
