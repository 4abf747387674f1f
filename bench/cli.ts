/**
 * Child processes for benches that run whole commands: the disco-diff CLI with one intra-op thread,
 * or another bench script (its own workers, a suite's cases).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

/** Runs `disco-diff ARGS` from the repo root (DISCO_THREADS=1, output inherited); rejects on a non-zero exit. */
export function cli(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(root, 'bin', 'disco-diff.js'), ...args], { cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DISCO_THREADS: '1' } });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`disco-diff ${args.join(' ')} exited with ${code}`))));
  });
}

/** Runs `node --import tsx SCRIPT ARGS` (environment and output inherited); rejects, naming `what`, on a non-zero exit. */
export function script(file: string, args: string[], what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${what} exited with ${code}`))));
  });
}
