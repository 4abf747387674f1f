/**
 * The batch the docking score network reads: B protein–ligand complexes concatenated into one
 * graph (ligand heavy atoms, receptor residues, three kinds of edges), with the pose's degrees
 * of freedom (rotation centre, rotatable bonds and the atoms each one moves), as DiffDock
 * (Corso et al., ICLR 2023) poses them. Indices are global (into the concatenated node lists);
 * every `batch` tensor gives the complex of its row. Float tensors share one dtype, the one of
 * the network's parameters.
 */
import type { Tensor } from '../engine/index.js';

/** One batch of complexes (see above). Shapes: nL ligand atoms, nR residues, B complexes. */
export interface ComplexGraph {
  nComplexes: number;
  /** [nL, 3] ligand heavy-atom positions (Å), all complexes concatenated. */
  ligX: Tensor;
  /** [nL, FL] atom features (element one-hot, charge, heavy degree, in a ring, unsaturated: src/docking/featurize.ts). */
  ligFeat: Tensor;
  /** [nL] int64 complex of each ligand atom. */
  ligBatch: Tensor;
  /** [nR, 3] receptor residue positions (Cα, Å). */
  recX: Tensor;
  /** [nR] int64 residue type (20 amino acids + UNK). */
  recType: Tensor;
  /** [nR] int64 the first complex of each residue copy (complexes of one receptor share its copy). */
  recBatch: Tensor;
  /** Ligand–ligand edges, both directions, messages src → dst; attr [E, FB] (bond type incl. 'no bond', topological distance, …). */
  ligEdges: { src: Tensor; dst: Tensor; attr: Tensor };
  /**
   * Receptor–receptor edges (e.g. within 15 Å), both directions, messages src → dst; null in a
   * graph built without them (for a network given cached residue states, which does not read them).
   */
  recEdges: { src: Tensor; dst: Tensor } | null;
  /** Ligand atom ↔ residue pairs within a cutoff; messages go both ways. */
  crossEdges: { lig: Tensor; rec: Tensor };
  /** [B, 3] rotation centre of each complex (the ligand centroid). */
  center: Tensor;
  /** [B] diffusion time t ∈ [0, 1] (not log σ). */
  t: Tensor;
  /** [T] rotatable bonds u–v (global ligand atom indices; v's side moves) and their complex. */
  torsion: { u: Tensor; v: Tensor; batch: Tensor };
  /** [M] pairs: ligand atom `atom` moves with rotatable bond `torsion`. */
  moving: { torsion: Tensor; atom: Tensor };
}

/** Feature widths the network was built for. */
export interface GraphWidths {
  ligFeatures: number;
  bondFeatures: number;
}

/**
 * Checks the shapes and dtypes of `g` against each other and against `widths`; throws an Error
 * naming the first field that does not fit. Index values are checked by the ops that use them.
 */
export function checkGraph(g: ComplexGraph, widths: GraphWidths): void {
  const float = g.ligX.dtype;
  const nL = g.ligX.size(0), nR = g.recX.size(0), B = g.nComplexes;
  const E = g.ligEdges.src.numel, T = g.torsion.u.numel;
  const expect = (name: string, t: Tensor, shape: number[], dtype: string): void => {
    if (t.shape.join(',') !== shape.join(',')) throw new Error(`ComplexGraph.${name}: expected shape [${shape}], got [${t.shape}]`);
    if (t.dtype !== dtype) throw new Error(`ComplexGraph.${name}: expected ${dtype}, got ${t.dtype}`);
  };
  if (float !== 'float32' && float !== 'float64') throw new Error(`ComplexGraph.ligX: expected float32 or float64, got ${float}`);
  expect('ligX', g.ligX, [nL, 3], float);
  expect('ligFeat', g.ligFeat, [nL, widths.ligFeatures], float);
  expect('ligBatch', g.ligBatch, [nL], 'int64');
  expect('recX', g.recX, [nR, 3], float);
  expect('recType', g.recType, [nR], 'int64');
  expect('recBatch', g.recBatch, [nR], 'int64');
  expect('ligEdges.src', g.ligEdges.src, [E], 'int64');
  expect('ligEdges.dst', g.ligEdges.dst, [E], 'int64');
  expect('ligEdges.attr', g.ligEdges.attr, [E, widths.bondFeatures], float);
  if (g.recEdges) {
    expect('recEdges.dst', g.recEdges.dst, [g.recEdges.src.numel], 'int64');
    expect('recEdges.src', g.recEdges.src, [g.recEdges.src.numel], 'int64');
  }
  expect('crossEdges.rec', g.crossEdges.rec, [g.crossEdges.lig.numel], 'int64');
  expect('crossEdges.lig', g.crossEdges.lig, [g.crossEdges.lig.numel], 'int64');
  expect('center', g.center, [B, 3], float);
  expect('t', g.t, [B], float);
  expect('torsion.u', g.torsion.u, [T], 'int64');
  expect('torsion.v', g.torsion.v, [T], 'int64');
  expect('torsion.batch', g.torsion.batch, [T], 'int64');
  expect('moving.torsion', g.moving.torsion, [g.moving.atom.numel], 'int64');
  expect('moving.atom', g.moving.atom, [g.moving.atom.numel], 'int64');
}
