/**
 * The HTTP API and the page:
 *   GET  /                the page (and its fixed set of scripts and styles)
 *   GET  /api/info        the run's facts (kind, latents, classes, defaults, limits)
 *   POST /api/jobs        queue a sampling job (JSON, validated) → 202 and its status
 *   GET  /api/jobs/:id    poll a job: queued (position), running (progress), done (result) or failed
 * Errors are `{ error }` with 400 (bad parameter or request target), 403 (foreign Host), 404, 405, 413, 415 or 503 (queue full).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RunFacts } from './facts.js';
import type { JobResult } from './explorer.js';
import { JobQueue, QueueFull } from './jobs.js';
import { BadRequest, parseJobRequest, type JobRequest } from './validate.js';
import { COMMON_HEADERS, HttpError, readJson, sendJson } from './http.js';
import type { Asset } from './assets.js';

export interface App {
  facts: RunFacts;
  jobs: JobQueue<JobRequest, JobResult>;
  assets: Map<string, Asset>;
  /** Whether a request's Host header names this server (./hosts.ts: the guard against DNS rebinding). */
  acceptsHost: (host: string | undefined) => boolean;
}

const MAX_BODY = 16_384;

/** Answers one request; never throws. */
export async function handle(app: App, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    await route(app, req, res);
  } catch (e) {
    const status = e instanceof HttpError ? e.status : e instanceof BadRequest ? 400 : e instanceof QueueFull ? 503 : 500;
    sendJson(res, status, { error: (e as Error).message });
  }
}

async function route(app: App, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!app.acceptsHost(req.headers.host)) throw new HttpError(403, `unexpected Host '${req.headers.host ?? ''}'`);
  const path = pathOf(req.url ?? '');
  const job = /^\/api\/jobs\/([\w-]+)$/.exec(path);
  if (path === '/api/jobs') {
    allow(req, 'POST');
    const body = await readJson(req, MAX_BODY);
    sendJson(res, 202, app.jobs.submit(parseJobRequest(body, app.facts)));
  } else if (job) {
    allow(req, 'GET');
    const status = app.jobs.get(job[1]!);
    if (!status) throw new HttpError(404, `no job ${job[1]} (unknown, or finished long ago)`);
    sendJson(res, 200, status);
  } else if (path === '/api/info') {
    allow(req, 'GET');
    sendJson(res, 200, app.facts);
  } else {
    const asset = app.assets.get(path);
    if (!asset) throw new HttpError(404, `not found: ${path}`);
    allow(req, 'GET');
    res.writeHead(200, { ...COMMON_HEADERS, 'content-type': asset.type });
    res.end(asset.body);
  }
}

/** The path of an origin-form request target (`/path?query`); other forms (`http://host/…`, `*`) are 400. */
function pathOf(target: string): string {
  if (!target.startsWith('/')) throw new HttpError(400, `the request target must be a path starting with '/', got '${target}'`);
  return new URL(`http://localhost${target}`).pathname;
}

function allow(req: IncomingMessage, method: 'GET' | 'POST'): void {
  if (req.method !== method && !(method === 'GET' && req.method === 'HEAD')) {
    throw new HttpError(405, `${req.method} is not allowed here; use ${method}`);
  }
}
