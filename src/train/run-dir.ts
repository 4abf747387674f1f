/** The files of a run directory, in one place. */
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The paths of a run directory's files, and checks that they exist. */
export class RunDir {
  constructor(readonly root: string) {}
  get config(): string { return join(this.root, 'config.json'); }
  /** The run's config as changed over resumes: one row per change, `{ step, time, changed?, config }`. */
  get configHistory(): string { return join(this.root, 'config-history.jsonl'); }
  /** Latest Stage-I checkpoint (overwritten atomically). */
  get checkpoint(): string { return join(this.root, 'checkpoint.safetensors'); }
  get metrics(): string { return join(this.root, 'metrics.jsonl'); }
  get prior(): string { return join(this.root, 'prior.safetensors'); }
  get priorMetrics(): string { return join(this.root, 'prior-metrics.jsonl'); }
  get latents(): string { return join(this.root, 'latents.npy'); }
  get evalMetrics(): string { return join(this.root, 'metrics.json'); }
  get figures(): string { return join(this.root, 'figures'); }
  /** The writer's lock (src/train/run-lock.ts). */
  get lock(): string { return join(this.root, 'run.lock'); }

  /** The directory and every file a run keeps, each with what it is (what no output may overwrite). */
  files(): [what: string, path: string][] {
    return [
      ['directory', this.root], ['checkpoint file', this.checkpoint], ['config file', this.config],
      ['config history', this.configHistory], ['metrics log', this.metrics], ['prior file', this.prior],
      ['prior log', this.priorMetrics], ['latents file', this.latents], ['eval metrics file', this.evalMetrics],
      ['lock file', this.lock],
    ];
  }

  /** Creates the directory; true when it did not exist before. */
  create(): boolean {
    if (existsSync(this.root)) {
      if (!statSync(this.root).isDirectory()) throw new Error(`${this.root} exists and is not a directory`);
      return false;
    }
    mkdirSync(this.root, { recursive: true });
    return true;
  }

  /** Removes the directory when nothing is in it (a run that failed before writing anything). */
  removeIfEmpty(): void {
    if (existsSync(this.root) && readdirSync(this.root).length === 0) rmdirSync(this.root);
  }

  /** Fails with a clear message when the run (or a file of it) does not exist. */
  require(file: string = this.checkpoint, what = 'a trained run (run `disco-diff train` first)'): void {
    if (!existsSync(this.root)) throw new Error(`run directory not found: ${this.root}`);
    if (!existsSync(file)) throw new Error(`${file} is missing: ${this.root} is not ${what}`);
  }
}
