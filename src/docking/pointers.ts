/**
 * Pointer latents on a ComplexGraph (DisCo-DiffDock, Xu et al. 2024): the classes of complex b
 * are its nodes, its ligand atoms and then its residues: class c < nL_b is ligand heavy-atom node c,
 * class nL_b + r is residue r of its ReceptorGraph. The padded layout is src/disco/pointer.ts's.
 */
import { cat, tidy, type DType, type Tensor } from '../engine/index.js';
import type { GumbelOptions } from '../disco/gumbel.js';
import { PointerLayout, pointerGumbel } from '../disco/pointer.js';
import type { ComplexGraph } from './graph.js';
import type { NodeLatents } from './latent-conditioning.js';
import type { NodeStates } from './message-passing.js';
import type { Rng } from '../pose/random.js';

/**
 * The pointer layout of `g`'s nodes (ligand atoms, then residues, each with its complex). Every
 * complex needs its own receptor copy: build `g` with complexBatch's shareReceptors false.
 */
export function nodeLayout(g: ComplexGraph): PointerLayout {
  const B = g.nComplexes;
  const recBatch = g.recBatch.toFlatArray();
  const has = new Uint8Array(B);
  for (const b of recBatch) has[b] = 1;
  const lacking = has.indexOf(0);
  if (lacking >= 0) {
    throw new Error(`pointer latents: complex ${lacking} has no residues of its own; build the batch with complexBatch(…, { shareReceptors: false })`);
  }
  return new PointerLayout([...g.ligBatch.toFlatArray(), ...recBatch], B, g.ligX.device);
}

/** Per-node values [nL + nR, m] of ligand-atom [nL, m] and residue [nR, m] parts. */
export function stackNodes(v: NodeStates): Tensor {
  return cat([v.lig, v.rec], 0);
}

/** Per-node values [nL + nR, m] split into ligand-atom and residue parts. */
export function splitNodes(v: Tensor, nL: number): NodeStates {
  return { lig: v.slice(0, 0, nL), rec: v.slice(0, nL) };
}

/**
 * Pointer samples of per-node logits (the encoder's): a Gumbel-Softmax sample of each latent over
 * each complex's nodes (hard: straight-through one-hot), with the complexes in `drop` dropped.
 */
export function samplePointers(logits: NodeStates, layout: PointerLayout, o: GumbelOptions, drop: Tensor | null = null): NodeLatents {
  return tidy(() => ({ ...splitNodes(pointerGumbel(stackNodes(logits), layout, o), logits.lig.size(0)), drop }));
}

/** The one-hot latents of codes [B·m] (row-major: complex, then latent; classes as above). */
export function latentsOfCodes(layout: PointerLayout, codes: ArrayLike<number>, m: number, nL: number, dtype: DType = 'float32'): NodeLatents {
  return tidy(() => splitNodes(layout.oneHot(codes, m, dtype), nL));
}

/** `n` codes [n][m] drawn uniformly over a complex's nL ligand nodes and nR residues (the "random z" baseline). */
export function uniformCodes(nL: number, nR: number, m: number, n: number, rng: Rng): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: m }, () => Math.min(nL + nR - 1, Math.floor(rng.uniform() * (nL + nR)))));
}
