/** Autograd beyond `Tensor.backward`: no-grad scopes and functional gradients. */
import { N } from './native.js';
import { Tensor } from './tensor.js';

/** Runs `fn` with gradient recording off (restored afterwards, also on throw). */
export function noGrad<T>(fn: () => T): T {
  const prev = N.gradEnabled();
  N.setGradEnabled(false);
  try { return fn(); } finally { N.setGradEnabled(prev); }
}

/** Runs `fn` with gradient recording on (e.g. inside a no-grad sampler for a Jacobian). */
export function enableGrad<T>(fn: () => T): T {
  const prev = N.gradEnabled();
  N.setGradEnabled(true);
  try { return fn(); } finally { N.setGradEnabled(prev); }
}

/** Whether operations are being recorded for autograd. */
export function isGradEnabled(): boolean { return N.gradEnabled(); }

/**
 * Gradients of `outputs` (scalars unless `gradOutputs` are given) with respect to `inputs`.
 * With `createGraph` the result is itself differentiable (for higher-order terms).
 * Inputs that do not require grad are rejected; unused inputs give an error unless
 * `allowUnused`, which returns null for them.
 */
export function grad(
  outputs: Tensor | Tensor[],
  inputs: Tensor[],
  opts: { gradOutputs?: Tensor[]; createGraph?: boolean; allowUnused?: boolean } = {},
): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const ids = N.grad(outs.map((t) => t.id), inputs.map((t) => t.id), opts.gradOutputs?.map((t) => t.id) ?? null,
    opts.createGraph ?? false, opts.allowUnused ?? false);
  return ids.map((id) => (id === null ? null : new Tensor(id)));
}
