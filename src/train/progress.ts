/**
 * A one-line progress bar on stderr (a line per report when stderr is not a terminal), with the
 * intra-op threads and, in data-parallel training, the number of processes.
 */
import { numThreads } from '../engine/index.js';

export class Progress {
  private readonly t0 = performance.now();
  private lastDraw = 0;
  private readonly threads = numThreads();
  constructor(readonly label: string, readonly total: number, readonly start = 0, readonly quiet = false, readonly processes = 1) {}

  /** Steps per second since start. */
  rate(step: number): number {
    return (step - this.start) / Math.max(1e-9, (performance.now() - this.t0) / 1000);
  }

  update(step: number, info: Record<string, number>, force = false): void {
    if (this.quiet) return;
    const now = performance.now();
    const tty = process.stderr.isTTY;
    if (!force && (tty ? now - this.lastDraw < 200 : true)) return;
    this.lastDraw = now;
    const frac = step / this.total;
    const bar = '#'.repeat(Math.round(frac * 20)).padEnd(20, '.');
    const rate = this.rate(step);
    const eta = (this.total - step) / Math.max(rate, 1e-9);
    const fields = Object.entries(info).map(([k, v]) => `${k} ${fmt(v)}`).join('  ');
    const par = `${this.threads} thread${this.threads > 1 ? 's' : ''}${this.processes > 1 ? ` × ${this.processes} processes` : ''}`;
    const line = `${this.label} [${bar}] ${step}/${this.total}  ${fields}  ${rate.toFixed(1)} it/s  ${par}  eta ${eta.toFixed(0)}s`;
    process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
  }

  done(): void {
    if (!this.quiet && process.stderr.isTTY) process.stderr.write('\n');
  }
}

function fmt(v: number): string {
  return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toFixed(4) : v.toExponential(2);
}
