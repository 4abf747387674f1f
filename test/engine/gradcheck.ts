/**
 * A small float64 gradient checker: autograd's gradient of a random projection of f's output
 * against central finite differences, element by element (as torch.autograd.gradcheck).
 */
import { Generator, grad, noGrad, randn, tensor, tidy, type Tensor } from '../../src/engine/index.js';

export interface GradcheckOptions {
  /** Finite-difference step. */
  eps?: number;
  /** Pass when |analytic - numeric| <= atol + rtol·|numeric| for every element. */
  atol?: number;
  rtol?: number;
}

/** What `f` may return: one tensor or several (e.g. split), each projected and summed. */
type Outputs = Tensor | Tensor[];

/**
 * Checks d/dx of `f()` for every tensor in `inputs` (float64 leaves that require grad; `f` reads
 * them by closure). Inputs are perturbed in place under no-grad, so module parameters work too.
 * Throws an Error naming the input and element with the largest mismatch.
 */
export function gradcheck(f: () => Outputs, inputs: Tensor[], o: GradcheckOptions = {}): void {
  const eps = o.eps ?? 1e-6, atol = o.atol ?? 1e-6, rtol = o.rtol ?? 1e-5;
  inputs.forEach((x, k) => {
    if (x.dtype !== 'float64') throw new Error(`gradcheck: input ${k} is ${x.dtype}; use float64`);
    if (!x.requiresGrad) throw new Error(`gradcheck: input ${k} does not require grad`);
  });
  tidy(() => {
    // L = Σ_j <w_j, f_j>; fixed random w_j catch gradients that a plain sum would hide
    // (softmax rows, normalised outputs).
    const gen = new Generator(1234);
    const first = asList(f());
    const weights = first.map((y) => randn(y.shape, { dtype: 'float64', generator: gen }));
    gen.dispose();
    const loss = (): number => tidy(() => project(asList(f()), weights).item());
    const analytic = grad(project(first, weights), inputs, { allowUnused: true });
    inputs.forEach((x, k) => {
      const a = analytic[k] ? (analytic[k]!.toFlatArray()) : new Array<number>(x.numel).fill(0);
      const base = Float64Array.from(x.toFlatArray());
      const shape = x.shape;
      let worst = { i: -1, a: 0, n: 0, excess: 0 };
      for (let i = 0; i < base.length; i++) {
        const orig = base[i]!;
        base[i] = orig + eps;
        set(x, base, shape);
        const up = loss();
        base[i] = orig - eps;
        set(x, base, shape);
        const down = loss();
        base[i] = orig;
        const n = (up - down) / (2 * eps);
        const excess = Math.abs(a[i]! - n) - (atol + rtol * Math.abs(n));
        if (!(excess <= worst.excess)) worst = { i, a: a[i]!, n, excess };
      }
      set(x, base, shape);
      if (worst.i >= 0) {
        throw new Error(`gradcheck: input ${k} [${shape}] element ${worst.i}: autograd ${worst.a} vs ` +
          `finite difference ${worst.n} (|diff| = ${Math.abs(worst.a - worst.n).toExponential(2)})`);
      }
    });
  });
}

function asList(y: Outputs): Tensor[] {
  return Array.isArray(y) ? y : [y];
}

function project(ys: Tensor[], ws: Tensor[]): Tensor {
  if (ys.length !== ws.length) throw new Error('gradcheck: f returned a different number of outputs');
  return ys.map((y, j) => y.mul(ws[j]!).sum()).reduce((s, t) => s.add(t));
}

function set(x: Tensor, values: Float64Array, shape: number[]): void {
  tidy(() => noGrad(() => x.copy_(tensor(values, { dtype: 'float64', shape }))));
}

/** A float64 leaf that requires grad, N(0, 1)·scale + shift from a seeded stream. */
export function leaf(shape: number[], seed: number, o: { scale?: number; shift?: number } = {}): Tensor {
  return tidy(() => {
    const gen = new Generator(seed);
    const r = randn(shape, { dtype: 'float64', generator: gen });
    gen.dispose();
    return noGrad(() => r.mul(o.scale ?? 1).add(o.shift ?? 0));
  }).requiresGrad_(true);
}

/** A float64 leaf from explicit values. */
export function leafOf(values: number[], shape: number[]): Tensor {
  return tensor(values, { dtype: 'float64', shape }).requiresGrad_(true);
}
