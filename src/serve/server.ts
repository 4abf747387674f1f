/**
 * `disco-diff serve`: a local web page to explore a trained run. The run is loaded once, in a
 * sampling process (so the server answers while it samples); jobs queue and run one at a time;
 * nothing is written to the run directory.
 */
import { createServer } from 'node:http';
import { isIPv6, type AddressInfo } from 'node:net';
import type { RunFacts } from './facts.js';
import type { JobResult } from './explorer.js';
import { JobQueue } from './jobs.js';
import { loadAssets } from './assets.js';
import { handle, type App } from './routes.js';
import { sendJson } from './http.js';
import { hostCheck } from './hosts.js';
import { RunDir } from '../train/run-dir.js';
import { SamplingWorker } from './worker-client.js';
import type { JobRequest } from './validate.js';

/** The run to serve and where to listen. */
export interface ServeOptions {
  run: string;
  /** 0 = any free port. */
  port: number;
  /** The address to listen on, e.g. 127.0.0.1 (this machine only) or 0.0.0.0 (every interface). */
  host: string;
  /** Host names answered besides this machine's own (./hosts.ts), e.g. a tunnel's or proxy's name. */
  allowHosts?: string[];
}

/** A running server: its URL and how to stop it. */
export interface Serving {
  url: string;
  facts: RunFacts;
  /** Stops listening and ends the sampling process. */
  close(): Promise<void>;
}

/** A host as written in a URL (IPv6 in brackets). */
const inUrl = (host: string): string => (isIPv6(host) ? `[${host}]` : host);

/** Starts `disco-diff serve` on a run. */
export async function startServer(o: ServeOptions): Promise<Serving> {
  const { host, port } = o;
  new RunDir(o.run).require();
  const acceptsHost = hostCheck(host, o.allowHosts);
  const assets = loadAssets();
  let app: App | null = null;
  const server = createServer((req, res) => {
    if (app) void handle(app, req, res);
    else sendJson(res, 503, { error: 'the run is still loading' });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'EADDRINUSE' ? `port ${port} on ${host} is in use: choose another with --port`
      : `cannot listen on ${host}:${port}: ${(e as Error).message}`);
  }
  const close = () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  const { worker, facts } = await SamplingWorker.start(o.run).catch(async (e: Error) => { await close(); throw e; });
  const bound = (server.address() as AddressInfo).port;
  app = { facts, assets, acceptsHost: (h) => acceptsHost(h, bound), jobs: new JobQueue<JobRequest, JobResult>((r, p) => worker.run(r, p)) };
  return {
    url: `http://${inUrl(host)}:${bound}/`, facts,
    async close() {
      await close();
      await worker.close();
    },
  };
}
