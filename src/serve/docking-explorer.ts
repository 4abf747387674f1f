/** A served docking run, loaded once: its networks, prior and test complexes, and the poses job. */
import { existsSync } from 'node:fs';
import { loadComplexes } from '../docking/complexes.js';
import { loadDockingPrior, loadDockingRun } from '../train/load-docking-run.js';
import { dockingFacts, type DockingFacts } from './docking-facts.js';
import { dockPoses, type ServedDocking } from './poses.js';
import type { JobResult, RunExplorer } from './explorer.js';
import type { JobRequest } from './validate.js';

export class DockingExplorer implements RunExplorer {
  private constructor(private readonly S: ServedDocking, readonly facts: DockingFacts) {}

  /** Loads the docking run in `dir` (EMA weights, the prior when Stage II has run) and its data set's test split; reads files only. */
  static open(dir: string): DockingExplorer {
    const L = loadDockingRun(dir);
    let prior = null;
    try {
      prior = L.encoder && existsSync(L.run.prior) ? loadDockingPrior(L) : null;
      const complexes = loadComplexes(L.cfg).test;
      if (complexes.length === 0) throw new Error(`serve: the data set of ${dir} (${L.cfg.data.dir}) has no test complexes to dock`);
      return new DockingExplorer({ L, prior, complexes }, dockingFacts(L, dir, prior !== null, complexes));
    } catch (e) {
      L.net.dispose();
      L.encoder?.dispose();
      prior?.dispose();
      throw e;
    }
  }

  run(r: JobRequest, progress: (done: number, total: number) => void): JobResult {
    if (r.kind !== 'poses') throw new Error(`kind: a docking run runs 'poses' jobs, not '${r.kind}'`);
    return dockPoses(this.S, r, progress);
  }

  dispose(): void {
    this.S.L.net.dispose();
    this.S.L.encoder?.dispose();
    this.S.prior?.dispose();
  }
}
