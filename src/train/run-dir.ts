/** The files of a run directory, in one place. */
import { existsSync, mkdirSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';

export class RunDir {
  constructor(readonly root: string) {}
  get config(): string { return join(this.root, 'config.json'); }
  /** Latest Stage-I checkpoint (overwritten atomically). */
  get checkpoint(): string { return join(this.root, 'checkpoint.safetensors'); }
  get metrics(): string { return join(this.root, 'metrics.jsonl'); }
  get prior(): string { return join(this.root, 'prior.safetensors'); }
  get priorMetrics(): string { return join(this.root, 'prior-metrics.jsonl'); }
  get latents(): string { return join(this.root, 'latents.npy'); }
  get evalMetrics(): string { return join(this.root, 'metrics.json'); }
  get figures(): string { return join(this.root, 'figures'); }

  ensure(): this {
    mkdirSync(this.root, { recursive: true });
    return this;
  }

  /** Fails with a clear message when the run (or a file of it) does not exist. */
  require(file: string = this.checkpoint, what = 'a trained run (run `disco-diff train` first)'): void {
    if (!existsSync(this.root)) throw new Error(`run directory not found: ${this.root}`);
    if (!existsSync(file)) throw new Error(`${file} is missing: ${this.root} is not ${what}`);
  }
}

/** Appends one JSON object per line. */
export function appendJsonl(path: string, row: Record<string, unknown>): void {
  appendFileSync(path, JSON.stringify(row) + '\n');
}
