/**
 * The sampling queue: jobs run one at a time in arrival order; each reports progress, and its
 * status (position in the queue, progress, result or error) can be polled by id for a while.
 */
import { randomUUID } from 'node:crypto';

export type JobState = 'queued' | 'running' | 'done' | 'failed';

/** What a poll of a job returns. */
export interface JobStatus<R> {
  id: string;
  state: JobState;
  /** Jobs ahead of this one (0 once it runs). */
  position: number;
  /** Sampler steps done of the total, while running (null before the first report). */
  progress: { done: number; total: number } | null;
  result?: R;
  error?: string;
  /** Milliseconds since the epoch. */
  queuedAt: number;
  startedAt?: number;
  finishedAt?: number;
}

/** Runs one job; calls `progress` as it goes. */
export type JobRunner<Q, R> = (request: Q, progress: (done: number, total: number) => void) => Promise<R>;

/** Thrown by `submit` when too many jobs wait. */
export class QueueFull extends Error {}

export class JobQueue<Q, R> {
  private readonly jobs = new Map<string, { status: JobStatus<R>; request: Q }>();
  private readonly waiting: string[] = [];
  private running = false;

  constructor(private readonly runner: JobRunner<Q, R>, private readonly o = {
    /** Jobs that may wait behind the running one. */
    maxWaiting: 16,
    /** Finished jobs whose status is kept (oldest forgotten first). */
    keepFinished: 64,
  }) {}

  /** Queues a job; returns its status. Throws QueueFull when `maxWaiting` jobs already wait. */
  submit(request: Q): JobStatus<R> {
    if (this.waiting.length >= this.o.maxWaiting) throw new QueueFull(`${this.waiting.length} sampling jobs are waiting: try again later`);
    const status: JobStatus<R> = { id: randomUUID(), state: 'queued', position: 0, progress: null, queuedAt: Date.now() };
    this.jobs.set(status.id, { status, request });
    this.waiting.push(status.id);
    this.pump();
    return this.get(status.id)!;
  }

  /** The job's current status, or undefined for an unknown (or long finished) id. */
  get(id: string): JobStatus<R> | undefined {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    const at = this.waiting.indexOf(id);
    return { ...job.status, position: at < 0 ? 0 : at + (this.running ? 1 : 0) };
  }

  private pump(): void {
    if (this.running) return;
    const id = this.waiting.shift();
    if (id === undefined) return;
    const job = this.jobs.get(id)!, s = job.status;
    this.running = true;
    s.state = 'running';
    s.startedAt = Date.now();
    this.runner(job.request, (done, total) => { s.progress = { done, total }; })
      .then((result) => { s.state = 'done'; s.result = result; },
        (e: Error) => { s.state = 'failed'; s.error = e.message ?? String(e); })
      .finally(() => {
        s.finishedAt = Date.now();
        this.running = false;
        this.forgetOld();
        this.pump();
      });
  }

  private forgetOld(): void {
    const finished = [...this.jobs.values()].filter((j) => j.status.finishedAt !== undefined);
    for (const j of finished.slice(0, Math.max(0, finished.length - this.o.keepFinished))) this.jobs.delete(j.status.id);
  }
}
