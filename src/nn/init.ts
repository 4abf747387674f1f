/** Parameter initialisers (PyTorch's defaults and the standard schemes). */
import { rand, randn, tidy, type Generator, type Tensor, type TensorOptions } from '../engine/index.js';

/** Options: dtype/device of the new tensor and an optional generator. */
export type InitOptions = TensorOptions & { generator?: Generator };

/** U(-bound, bound). */
export function uniform(shape: number[], bound: number, o: InitOptions = {}): Tensor {
  return tidy(() => rand(shape, o).mul(2 * bound).sub(bound));
}

/** N(0, std²). */
export function normal(shape: number[], std: number, o: InitOptions = {}): Tensor {
  return tidy(() => randn(shape, o).mul(std));
}

/** Fan-in and fan-out of a weight [out, in, ...kernel]. */
export function fans(shape: number[]): { fanIn: number; fanOut: number } {
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: (shape[1] ?? 1) * receptive, fanOut: (shape[0] ?? 1) * receptive };
}

/** PyTorch's default for Linear/Conv weights: kaiming_uniform(a=√5) = U(±1/√fan_in). */
export function defaultWeight(shape: number[], o: InitOptions = {}): Tensor {
  return uniform(shape, 1 / Math.sqrt(fans(shape).fanIn), o);
}

/** Glorot/Xavier uniform: U(±gain·√(6/(fan_in+fan_out))). */
export function xavierUniform(shape: number[], gain = 1, o: InitOptions = {}): Tensor {
  const { fanIn, fanOut } = fans(shape);
  return uniform(shape, gain * Math.sqrt(6 / (fanIn + fanOut)), o);
}

/** He/Kaiming normal for ReLU-like layers: N(0, 2/fan_in). */
export function kaimingNormal(shape: number[], o: InitOptions = {}): Tensor {
  return normal(shape, Math.sqrt(2 / fans(shape).fanIn), o);
}

