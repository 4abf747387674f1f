/**
 * The pose data set prepared for the network: each ligand's graph beside its receptor's, with the
 * reference poses (Vina modes) and their Boltzmann weights, and the scaffold split.
 */
import { join } from 'node:path';
import { readReceptorFile, type Receptor } from '../chem/receptor.js';
import type { DockingConfig } from '../config/docking.js';
import { resolveShipped } from '../io/package-files.js';
import { ciSlice, loadPoseSet, splitByScaffold, type PoseRecord } from './dataset.js';
import { ligandGraph, receptorGraph, type LigandGraph, type ReceptorGraph } from './featurize.js';

/** One ligand of the data set, ready to be posed: its graph, its receptor (atoms and graph) and reference modes. */
export interface Complex {
  record: PoseRecord;
  lig: LigandGraph;
  receptor: Receptor;
  rec: ReceptorGraph;
}

/**
 * The folder of a docking config's data set: `data.dir` as given, or, where a relative path is not
 * found from the working directory, the data set shipped with the package (the default data/docking).
 */
export function dataDir(cfg: DockingConfig): string {
  return resolveShipped(cfg.data.dir);
}

/** The receptors of a data set with their graphs, read once from DIR/receptors/NAME.pdbqt. */
export function loadReceptors(cfg: DockingConfig, names: string[]): Map<string, { receptor: Receptor; graph: ReceptorGraph }> {
  const m = cfg.model;
  return new Map(names.map((name) => {
    const receptor = readReceptorFile(join(dataDir(cfg), 'receptors', `${name}.pdbqt`));
    return [name, { receptor, graph: receptorGraph(receptor, m.recCutoff, m.recNeighbours) }];
  }));
}

/** The train and test complexes of a docking config's data set (train cut to `data.limit` per receptor). */
export function loadComplexes(cfg: DockingConfig): { train: Complex[]; test: Complex[] } {
  const d = cfg.data;
  const records = loadPoseSet(dataDir(cfg), d.receptors.length ? { receptors: d.receptors } : undefined);
  if (records.length === 0) throw new Error(`no docked ligands found under ${d.dir}`);
  const recs = loadReceptors(cfg, [...new Set(records.map((r) => r.receptor))]);
  const split = splitByScaffold(records, { testFraction: d.testFraction, seed: d.splitSeed });
  const prepare = (r: PoseRecord): Complex => {
    const { receptor, graph } = recs.get(r.receptor)!;
    return { record: r, lig: ligandGraph(r.mol), receptor, rec: graph };
  };
  const train = d.limit ? ciSlice(split.train, d.limit) : split.train;
  return { train: train.map(prepare), test: split.test.map(prepare) };
}

