/** Opens a served run with the explorer of its kind. */
import { existsSync } from 'node:fs';
import { isDockingConfig, readConfigFile } from '../config/load.js';
import { RunDir } from '../train/run-dir.js';
import { DockingExplorer } from './docking-explorer.js';
import { Explorer, type RunExplorer } from './explorer.js';

/** Opens the run in `dir` with the explorer of its kind: a docking run's when its config.json says `domain: docking`. */
export function openExplorer(dir: string): RunExplorer {
  const run = new RunDir(dir);
  return existsSync(run.config) && isDockingConfig(readConfigFile(run.config)) ? DockingExplorer.open(dir) : Explorer.open(dir);
}
