/**
 * The served run, loaded once: its facts, and each job kind dispatched to the library calls that
 * do it. Here the explorers' interface and a diffusion run's explorer; a docking run's is in
 * ./docking-explorer.ts, and ./open-explorer.ts picks one by the run's kind.
 */
import { existsSync } from 'node:fs';
import { loadPrior, loadRun } from '../train/load-run.js';
import { runFacts, type DiffusionFacts, type RunFacts } from './facts.js';
import { sampleImages, switchImages, type ImagesResult, type SwitchResult } from './images.js';
import { samplePoints, type PointsResult } from './points.js';
import type { PosesResult } from './poses.js';
import type { Served } from './latents.js';
import type { JobRequest } from './validate.js';

export type JobResult = ImagesResult | SwitchResult | PointsResult | PosesResult;

/** A loaded run: what the page knows of it, its jobs (validated requests; `progress` sees sampler steps), and its release. */
export interface RunExplorer {
  readonly facts: RunFacts;
  run(r: JobRequest, progress: (done: number, total: number) => void): JobResult;
  dispose(): void;
}

/** A diffusion run (2-D points or images). */
export class Explorer implements RunExplorer {
  private constructor(private readonly S: Served, readonly facts: DiffusionFacts) {}

  /** Loads the run in `dir` (EMA weights, and the prior when Stage II has run); reads files only. */
  static open(dir: string): Explorer {
    const L = loadRun(dir);
    let prior = null;
    try {
      prior = L.model.encoder && existsSync(L.run.prior) ? loadPrior(L.run, L.cfg, L.info.numClasses) : null;
      return new Explorer({ L, prior }, runFacts(L, dir, prior !== null));
    } catch (e) {
      L.model.dispose();
      prior?.dispose();
      throw e;
    }
  }

  /** Runs one validated request; `progress` sees sampler steps done of the total. */
  run(r: JobRequest, progress: (done: number, total: number) => void): JobResult {
    switch (r.kind) {
      case 'images': return sampleImages(this.S, r, progress);
      case 'switch': return switchImages(this.S, r);
      case 'points': return samplePoints(this.S, r, progress);
      case 'poses': throw new Error("kind: 'poses' jobs need a docking run");
    }
  }

  dispose(): void {
    this.S.L.model.dispose();
    this.S.prior?.dispose();
  }
}
