/** Messages between the server and its sampling process (Node IPC, JSON). */
import type { RunFacts } from './facts.js';
import type { JobResult } from './explorer.js';
import type { JobRequest } from './validate.js';

/** Server → sampling process. */
export interface JobMessage {
  type: 'job';
  id: number;
  request: JobRequest;
}

/** Sampling process → server: loaded (or not), then progress and the outcome of each job. */
export type WorkerMessage =
  | { type: 'ready'; facts: RunFacts }
  | { type: 'failed'; message: string }
  | { type: 'progress'; id: number; done: number; total: number }
  | { type: 'result'; id: number; result: JobResult }
  | { type: 'error'; id: number; message: string };
