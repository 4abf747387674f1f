/**
 * The device check's process groups: world size 1 in this process, then two processes sharing the
 * one device (NCCL may refuse two ranks on one GPU; the answer is recorded either way). Each rank
 * all-reduces and all-gathers a small tensor through the addon's c10d binding. Prints one JSON object.
 *
 *   node --import tsx scripts/device/group.ts --device cuda|cpu      (nccl on cuda, gloo on cpu)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor, full, type Device } from '../../src/engine/index.js';
import { N } from '../../src/engine/native.js';
import { deviceFlag, flags, section, type Section } from './common.js';

const TIMEOUT_MS = 30_000;

/** Waits for a collective, polling as src/parallel does; throws after TIMEOUT_MS. */
function wait(work: number): void {
  const t0 = Date.now();
  while (!N.workWait(work, 1000)) if (Date.now() - t0 > TIMEOUT_MS) throw new Error(`collective still running after ${TIMEOUT_MS} ms`);
}

/** Joins the group as `rank` of `size` and checks an all-reduce (Σ r+1) and an all-gather. */
function rankRun(backend: string, device: Device, store: string, rank: number, size: number): Record<string, unknown> {
  N.groupInit(backend, N.storeOpenFile(store, TIMEOUT_MS), rank, size, TIMEOUT_MS, '');
  const t = full([4], rank + 1, { device });
  const w = N.allreduce(t.id);
  wait(w);
  N.workRelease(w);
  const g = N.allgather(full([2], rank, { device }).id);
  wait(g);
  const gathered = new Tensor(N.workResult(g));
  N.workRelease(g);
  const sum = [...t.dataSync()], all = [...gathered.dataSync()];
  const ok = sum.every((v) => v === (size * (size + 1)) / 2) && all.every((v, i) => v === Math.floor(i / 2));
  return { ok, allreduce: sum, allgather: all, device: t.device };
}

/** Two ranks in child processes; their outputs, or why they failed. */
function twoRanks(backend: string, device: Device, store: string): Promise<Section> {
  const t0 = performance.now();
  const child = (rank: number) => new Promise<Record<string, unknown>>((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--device', device, '--rank', String(rank),
      '--size', '2', '--store', store], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (d: Buffer) => { out += d; });
    p.stderr.on('data', (d: Buffer) => { err += d; });
    const timer = setTimeout(() => p.kill('SIGKILL'), TIMEOUT_MS + 15_000);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>);
      } catch {
        resolve({ ok: false, error: `rank ${rank} exited ${signal ?? code}: ${err.trim().split('\n').slice(-5).join(' | ')}` });
      }
    });
  });
  return Promise.all([child(0), child(1)]).then((ranks) => ({
    name: `${backend} world size 2 (one device)`, ok: ranks.every((r) => r.ok === true), ms: performance.now() - t0, ranks,
  }));
}

async function main(): Promise<void> {
  const f = flags(process.argv.slice(2));
  const device = deviceFlag(f);
  const backend = device === 'cuda' ? 'nccl' : 'gloo';
  if (f.has('rank')) {
    console.log(JSON.stringify(rankRun(backend, device, f.get('store')!, Number(f.get('rank')), Number(f.get('size')))));
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'device-group-'));
  try {
    const backends = N.distBackends();
    const pair = await twoRanks(backend, device, join(dir, 'store2'));
    const one = section(`${backend} world size 1`, () => {
      if (!backends.includes(backend)) throw new Error(`the addon was built without ${backend} (it has: ${backends.join(', ') || 'none'})`);
      return rankRun(backend, device, join(dir, 'store1'), 0, 1);
    });
    console.log(JSON.stringify({ backends, sections: [one, pair] }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
