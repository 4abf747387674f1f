/** Checks for NaN and ±inf: samples, weights and optimizer state must be finite to be trusted. */
import type { Tensor } from './tensor.js';
import { noGrad } from './autograd.js';
import { tidy } from './scope.js';

/** "3 NaN and 1 inf of 64 values" for a tensor holding non-finite values, else null (non-float: null). */
export function describeNonFinite(t: Tensor): string | null {
  if (!t.dtype.startsWith('float') && t.dtype !== 'bfloat16') return null;
  const [bad, nan] = noGrad(() => tidy(() => [t.isfinite().logicalNot().sum().item(), t.isnan().sum().item()]));
  if (!bad) return null;
  const parts = [nan && `${nan} NaN`, bad - nan && `${bad - nan} inf`].filter(Boolean).join(' and ');
  return `${parts} of ${t.numel} values`;
}

/**
 * The named tensors holding NaN or ±inf as one phrase, "a (3 NaN of 64 values), b (…) and 2 more"
 * (at most `limit` named), or null when all are finite.
 */
export function nonFiniteSummary(tensors: Iterable<[string, Tensor]>, limit = 3): string | null {
  const bad: string[] = [];
  for (const [name, t] of tensors) {
    const d = describeNonFinite(t);
    if (d) bad.push(`${name} (${d})`);
  }
  if (!bad.length) return null;
  return bad.slice(0, limit).join(', ') + (bad.length > limit ? ` and ${bad.length - limit} more` : '');
}

/** Throws "non-finite values in `what`: …" when any of the named tensors holds NaN or ±inf. */
export function assertFinite(tensors: Iterable<[string, Tensor]>, what: string): void {
  const bad = nonFiniteSummary(tensors);
  if (bad) throw new Error(`non-finite values in ${what}: ${bad}`);
}
