/**
 * `Module`: the base of every network. It owns named parameters and buffers and holds named
 * submodules, so state dict keys are hierarchical paths (`enc.blocks.0.attn.q.weight`).
 */
import { Tensor, keep, noGrad, type Device, type DType } from '../engine/index.js';

/** A state dict: parameter/buffer path → tensor. */
export type StateDict = Map<string, Tensor>;

/**
 * How a saved tensor `src` differs from the `dst` it would be copied into: "shape mismatch for
 * `name`: …" or "dtype mismatch for `name`: …", or null when it fits (a copy would silently
 * convert a wrong dtype, e.g. a header edited from F32 to I32).
 */
export function stateMismatch(name: string, src: Tensor, dst: Tensor): string | null {
  if (src.shape.join(',') !== dst.shape.join(',')) return `shape mismatch for ${name}: checkpoint [${src.shape}] vs model [${dst.shape}]`;
  if (src.dtype !== dst.dtype) return `dtype mismatch for ${name}: checkpoint ${src.dtype} vs model ${dst.dtype}`;
  return null;
}

/** The base of every network: parameters, buffers, submodules, modes and state dicts. */
export abstract class Module {
  /** Whether the module is in training mode (dropout on, latent dropout on, …). */
  training = true;
  private readonly _params = new Map<string, Tensor>();
  private readonly _buffers = new Map<string, Tensor>();
  private readonly _modules = new Map<string, Module>();

  /** Registers a trainable parameter (the module owns it from now on). */
  protected param(name: string, t: Tensor): Tensor {
    this.checkName(name);
    keep(t).requiresGrad_(true);
    this._params.set(name, t);
    return t;
  }

  /** Registers a non-trainable tensor that is part of the state dict. */
  protected buffer(name: string, t: Tensor): Tensor {
    this.checkName(name);
    this._buffers.set(name, keep(t));
    return t;
  }

  /** Registers a submodule. */
  protected module<M extends Module>(name: string, m: M): M {
    this.checkName(name);
    this._modules.set(name, m);
    return m;
  }

  private checkName(name: string): void {
    if (this._params.has(name) || this._buffers.has(name) || this._modules.has(name)) {
      throw new Error(`${this.constructor.name}: '${name}' is registered twice`);
    }
  }

  /** Direct submodules. */
  children(): Map<string, Module> {
    return this._modules;
  }

  /** Every parameter with its path. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, p] of this._params) out.push([prefix + n, p]);
    for (const [n, m] of this._modules) out.push(...m.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Every buffer with its path. */
  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, b] of this._buffers) out.push([prefix + n, b]);
    for (const [n, m] of this._modules) out.push(...m.namedBuffers(`${prefix}${n}.`));
    return out;
  }

  /** Number of trainable scalars. */
  numParameters(): number {
    return this.parameters().reduce((s, p) => s + p.numel, 0);
  }

  /** Parameters and buffers by path (live tensors, not copies). */
  stateDict(): StateDict {
    return new Map([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copies values from `sd` into this module. With `strict` (default), missing or unexpected
   * keys are an error; a shape mismatch always is. The message lists every problem.
   */
  loadStateDict(sd: StateDict, strict = true): void {
    const own = this.stateDict();
    const problems: string[] = [];
    const missing = [...own.keys()].filter((k) => !sd.has(k));
    const unexpected = [...sd.keys()].filter((k) => !own.has(k));
    if (strict && missing.length) problems.push(`missing keys: ${missing.join(', ')}`);
    if (strict && unexpected.length) problems.push(`unexpected keys: ${unexpected.join(', ')}`);
    for (const [k, t] of own) {
      const src = sd.get(k);
      const mismatch = src && stateMismatch(k, src, t);
      if (mismatch) problems.push(mismatch);
    }
    if (problems.length) throw new Error(`loadStateDict(${this.constructor.name}): ${problems.join('; ')}`);
    noGrad(() => {
      for (const [k, t] of own) {
        const src = sd.get(k);
        if (src) t.copy_(src);
      }
    });
  }

  /** Sets training mode recursively. */
  train(flag = true): this {
    this.training = flag;
    for (const m of this._modules.values()) m.train(flag);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Moves (or casts) every parameter and buffer in place; handles stay the same objects. */
  to(opts: { device?: Device; dtype?: DType }): this {
    noGrad(() => {
      for (const [, t] of [...this.namedParameters(), ...this.namedBuffers()]) {
        const moved = t.to({ device: opts.device, dtype: t.dtype.startsWith('float') ? opts.dtype : undefined });
        t.setData_(moved);
        moved.dispose();
      }
    });
    return this;
  }

  /** Clears every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.setGrad(null);
  }

  /** Frees every parameter and buffer. */
  dispose(): void {
    for (const [, t] of [...this.namedParameters(), ...this.namedBuffers()]) t.dispose();
  }
}

/** An ordered list of modules, registered as `0`, `1`, … */
export class ModuleList<M extends Module = Module> extends Module {
  readonly items: M[];
  constructor(items: M[]) {
    super();
    this.items = items.map((m, i) => this.module(String(i), m));
  }
}
