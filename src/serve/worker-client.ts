/**
 * The server's side of the sampling process (./worker.ts): starts it, sends it one job at a time,
 * relays its progress, and turns its exit into errors that say so.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunFacts } from './facts.js';
import type { JobResult } from './explorer.js';
import type { JobMessage, WorkerMessage } from './protocol.js';
import type { JobRequest } from './validate.js';

interface Pending {
  resolve: (r: JobResult) => void;
  reject: (e: Error) => void;
  progress: (done: number, total: number) => void;
}

export class SamplingWorker {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private exited: string | null = null;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: WorkerMessage) => this.receive(m));
    child.on('exit', (code, signal) => {
      this.exited = `the sampling process exited (${signal ?? `code ${code}`}); restart \`disco-diff serve\``;
      for (const p of this.pending.values()) p.reject(new Error(this.exited));
      this.pending.clear();
    });
  }

  /** Forks the sampling process on run `dir`; resolves once the run is loaded, rejects with its load error. */
  static start(dir: string): Promise<{ worker: SamplingWorker; facts: RunFacts }> {
    // Compiled (dist/): the worker's JavaScript; from source: the TypeScript through tsx.
    const compiled = import.meta.url.endsWith('.js');
    const child = fork(fileURLToPath(new URL(compiled ? './worker.js' : './worker.ts', import.meta.url)), [dir], {
      execArgv: compiled ? [] : ['--import', import.meta.resolve('tsx')],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the sampling process exited (code ${code}) before loading ${dir}`));
      child.once('exit', onExit);
      child.once('message', (m: WorkerMessage) => {
        child.off('exit', onExit);
        if (m.type === 'ready') resolve({ worker: new SamplingWorker(child), facts: m.facts });
        else reject(new Error(m.type === 'failed' ? m.message : `unexpected first message '${m.type}' from the sampling process`));
      });
    });
  }

  /** Runs one job in the sampling process. */
  run(request: JobRequest, progress: (done: number, total: number) => void): Promise<JobResult> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, progress });
      this.child.send({ type: 'job', id, request } satisfies JobMessage);
    });
  }

  /** Ends the sampling process (it frees the model); resolves when it has exited. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    const kill = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    this.child.disconnect();
    await exited;
    clearTimeout(kill);
  }

  private receive(m: WorkerMessage): void {
    if (m.type === 'ready' || m.type === 'failed') return;
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === 'progress') return p.progress(m.done, m.total);
    this.pending.delete(m.id);
    if (m.type === 'result') p.resolve(m.result);
    else p.reject(new Error(m.message));
  }
}
