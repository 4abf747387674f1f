/** Rebuilds a trained docking run from its directory: its config and the score network with the EMA weights. */
import { assertFinite, type Device } from '../engine/index.js';
import { loadCheckpoint } from '../io/index.js';
import { isCount } from '../io/json.js';
import { isDockingConfig, parseDockingConfig } from '../config/load.js';
import type { DockingConfig } from '../config/docking.js';
import { createScoreNet } from '../docking/model.js';
import type { DockingScoreNet } from '../docking/score-net.js';
import { RunDir } from './run-dir.js';

/** A trained docking run: config, step, and the score network (EMA weights, eval mode). */
export interface DockingRun {
  run: RunDir;
  cfg: DockingConfig;
  step: number;
  net: DockingScoreNet;
}

/** Loads `dir`'s checkpoint; the network holds the EMA weights, as sampling uses them. */
export function loadDockingRun(dir: string, device: Device = 'cpu'): DockingRun {
  const run = new RunDir(dir);
  run.require(run.checkpoint, 'a trained docking run (run `disco-diff train` with a docking config first)');
  const ck = loadCheckpoint(run.checkpoint);
  try {
    const { stage, step, config } = ck.meta;
    if (stage !== 'docking' || !isCount(step) || !isDockingConfig(config)) {
      throw new Error(`${run.checkpoint} is not a docking checkpoint (stage ${String(stage)}); \`dock\` needs a run trained with a docking config`);
    }
    const cfg = parseDockingConfig(config, `config stored in ${run.checkpoint}`);
    // A shipped model (scripts/docking/ship-model.ts) keeps only the EMA weights, as `model.*`.
    const weights = ck.meta.shipped === true ? ck.model : ck.ema;
    assertFinite(weights, `EMA weights in ${run.checkpoint}`);
    const net = createScoreNet(cfg).to({ device });
    net.loadStateDict(weights);
    net.eval();
    return { run, cfg, step, net };
  } finally {
    ck.dispose();
  }
}
