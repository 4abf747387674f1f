/**
 * Residue states of a batch in which every complex has its own receptor copy (complexBatch's
 * shareReceptors false, as pointer latents need), computed once per distinct receptor and pointer
 * codes and repeated for each complex: they depend on the receptor and the codes alone
 * (DockingScoreNet.residueStates), so forty poses under a handful of distinct z cost a handful.
 */
import { tensor, tidy, type Device, type Tensor } from '../engine/index.js';
import type { DockingModelConfig } from '../config/docking.js';
import { complexBatch, disposeGraph, type LigandGraph, type ReceptorGraph } from './featurize.js';
import { latentsOfCodes, nodeLayout } from './pointers.js';
import type { DockingScoreNet } from './score-net.js';

/** One complex of the batch: its ligand, its receptor and its pointer codes (null: no latents). */
export interface ResidueItem {
  lig: LigandGraph;
  rec: ReceptorGraph;
  codes: readonly number[] | null;
}

/** The residue states of the batch's receptor copies, in item order (the caller owns them). */
export function sharedResidueStates(net: DockingScoreNet, items: readonly ResidueItem[], model: DockingModelConfig,
  device: Device = 'cpu'): Tensor[] {
  const receptors = new Map<ReceptorGraph, Map<string, number>>();
  const distinct: ResidueItem[] = [];
  const which = items.map((it) => {
    const seen = receptors.get(it.rec) ?? receptors.set(it.rec, new Map()).get(it.rec)!;
    const key = it.codes?.join(',') ?? 'none';
    let u = seen.get(key);
    if (u === undefined) seen.set(key, u = distinct.push(it) - 1);
    return u;
  });
  const g = complexBatch(distinct.map(({ lig, rec }) => ({ lig, rec, coords: lig.mol.coords, t: 0, trSigma: 0 })), model, device,
    { shareReceptors: false });
  try {
    return tidy(() => {
      const m = distinct[0]?.codes?.length ?? 0;
      if (distinct.some((it) => (it.codes?.length ?? 0) !== m)) throw new Error('sharedResidueStates: every complex needs the same number of codes');
      const z = m ? latentsOfCodes(nodeLayout(g), distinct.flatMap((it) => it.codes!), m, g.ligX.size(0), g.ligX.dtype) : null;
      const offsets: number[] = [];
      distinct.reduce((o, it) => { offsets.push(o); return o + it.rec.type.length; }, 0);
      const rows = which.flatMap((u) => Array.from({ length: distinct[u]!.rec.type.length }, (_, r) => offsets[u]! + r));
      const index = tensor(rows, { dtype: 'int64', device });
      return net.residueStates(g, z).map((h) => h.indexSelect(0, index));
    });
  } finally {
    disposeGraph(g);
  }
}
