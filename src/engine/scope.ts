/**
 * Memory ownership (as tfjs' tidy): every tensor created inside `tidy(fn)` is freed when `fn`
 * returns, except the tensors it returns and those passed to `keep`. Tensors created outside any
 * scope, or kept, belong to the caller: `dispose()` frees them, and a finalizer frees the ones
 * that are garbage-collected (a safety net only: in a busy loop finalizers do not run).
 */
import { N } from './native.js';

/** What a scope tracks: anything holding one native handle. */
export interface Owned {
  readonly disposed: boolean;
  /** @internal the raw handle, without the use-after-dispose check. */
  readonly rawId: number;
  dispose(): void;
}

const stack: Set<Owned>[] = [];
const finalizer = new FinalizationRegistry<number>((id) => N.dispose(id));
const finalized = new WeakSet<Owned>();

function adopt(t: Owned): void {
  const top = stack[stack.length - 1];
  if (top) top.add(t);
  else if (!finalized.has(t)) {
    finalizer.register(t, t.rawId, t);
    finalized.add(t);
  }
}

/** Called once by every new tensor. */
export function track(t: Owned): void {
  adopt(t);
}

/** Called by `dispose()`. */
export function untrack(t: Owned): void {
  if (finalized.has(t)) {
    finalizer.unregister(t);
    finalized.delete(t);
  }
}

/** Takes `t` out of every open scope: the caller now owns it. */
export function keep<T extends Owned>(t: T): T {
  for (const s of stack) s.delete(t);
  if (!finalized.has(t)) {
    finalizer.register(t, t.rawId, t);
    finalized.add(t);
  }
  return t;
}

function collect(value: unknown, out: Set<Owned>, seen: Set<unknown>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if ('rawId' in value && 'dispose' in value) out.add(value as Owned);
  else if (Array.isArray(value)) for (const v of value) collect(v, out, seen);
  else if (Object.getPrototypeOf(value) === Object.prototype || value instanceof Map) {
    for (const v of value instanceof Map ? value.values() : Object.values(value)) collect(v, out, seen);
  }
}

/**
 * Runs `fn` in a new scope. Tensors it returns (alone, in arrays, plain objects or Maps) move to
 * the enclosing scope; all other tensors created inside are disposed, also when `fn` throws.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Owned>();
  stack.push(scope);
  let result: T;
  try {
    result = fn();
    if (result instanceof Promise) throw new Error('tidy: fn must be synchronous (it returned a Promise)');
  } catch (e) {
    stack.pop();
    disposeAll(scope);
    throw e;
  }
  stack.pop();
  const returned = new Set<Owned>();
  collect(result, returned, new Set());
  // Only tensors this scope owns move up; a returned tensor the caller already owns (a kept
  // parameter, an input) stays where it was, or the enclosing scope would free it.
  const moved = [...returned].filter((t) => scope.delete(t));
  disposeAll(scope);
  for (const t of moved) if (!t.disposed) adopt(t);
  return result;
}

function disposeAll(scope: Set<Owned>): void {
  for (const t of scope) t.dispose();
}

/** Number of tensors alive in the native table (for leak checks). */
export function liveTensors(): number {
  return N.liveTensors();
}
