/** `serve`: starts the explorer page on a trained run and keeps it up until Ctrl-C (or SIGTERM). */
import { startServer } from '../serve/server.js';

/** How the start line names each kind of run. */
const KINDS = { points: '2-D points', images: 'images', docking: 'docking' } as const;

export async function serve(o: { run: string; port: number; host: string; allowHost: string[] }): Promise<void> {
  if (o.port > 65_535) throw new Error(`--port must be at most 65535, got ${o.port}`);
  const s = await startServer({ run: o.run, port: o.port, host: o.host, allowHosts: o.allowHost });
  console.log(`serving ${o.run} (${KINDS[s.facts.kind]}) at ${s.url}  (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await s.close();
}
