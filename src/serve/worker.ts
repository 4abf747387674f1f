/**
 * The sampling process (`disco-diff serve` forks it with the run directory as its argument): loads
 * the run once, then runs one job per message and reports progress as it samples. Sampling blocks
 * this process, not the HTTP server. It ends when the server disconnects, and dies with the server
 * when that is killed, also in the middle of a job.
 */
import { Worker } from 'node:worker_threads';
import type { RunExplorer } from './explorer.js';
import { openExplorer } from './open-explorer.js';
import type { JobMessage, WorkerMessage } from './protocol.js';

/**
 * A running job blocks this thread, so the 'disconnect' of a killed server waits until the job
 * ends; a watcher thread kills this process as soon as it has been re-parented (its server died).
 */
const WATCH_SERVER = `const { workerData: server } = require('node:worker_threads');
setInterval(() => { if (process.ppid !== server) process.kill(process.pid, 'SIGKILL'); }, 200);`;
new Worker(WATCH_SERVER, { eval: true, workerData: process.ppid, execArgv: [] }).unref();

/** Sends to the server unless it has gone (a job that ends after `close` has nobody to tell). */
const send = (m: WorkerMessage, then?: () => void): void => {
  if (process.connected) process.send!(m, undefined, {}, (e: Error | null) => { if (!e) then?.(); });
};

let explorer: RunExplorer;
try {
  explorer = openExplorer(process.argv[2]!);
  send({ type: 'ready', facts: explorer.facts });
} catch (e) {
  send({ type: 'failed', message: (e as Error).message }, () => process.disconnect());
}

process.on('message', (m: JobMessage) => {
  try {
    const result = explorer.run(m.request, (done, total) => send({ type: 'progress', id: m.id, done, total }));
    send({ type: 'result', id: m.id, result });
  } catch (e) {
    send({ type: 'error', id: m.id, message: (e as Error).message });
  }
});
process.on('disconnect', () => explorer?.dispose());
