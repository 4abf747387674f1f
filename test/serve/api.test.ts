// The HTTP API of `disco-diff serve` on two small runs trained here: a 2-D toy run and a tiny image run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { liveTensors } from '../../src/engine/index.js';
import { pngSize } from '../../src/plot/png.js';
import { startServer, type Serving } from '../../src/serve/server.js';
import { Explorer, type JobResult } from '../../src/serve/explorer.js';
import type { JobStatus } from '../../src/serve/jobs.js';
import { parseJobRequest } from '../../src/serve/validate.js';
import type { ImagesResult, SwitchResult } from '../../src/serve/images.js';
import type { PointsResult } from '../../src/serve/points.js';
import { IMAGE_CONFIG, TOY_CONFIG, trainRun } from './runs.js';

const dir = mkdtempSync(join(tmpdir(), 'dd-serve-'));
/** Any free port on this machine only. */
const LOCAL = { port: 0, host: '127.0.0.1' };
let toyRun: string, imageRun: string, toy: Serving, images: Serving;
let before_: string[];

/** Every file of a run with its size and modification time. */
const snapshot = (run: string) => readdirSync(run).map((f) => { const s = statSync(join(run, f)); return `${f} ${s.size} ${s.mtimeMs}`; });

before(async () => {
  toyRun = await trainRun(dir, 'toy', TOY_CONFIG);
  imageRun = await trainRun(dir, 'images', IMAGE_CONFIG);
  before_ = [...snapshot(toyRun), ...snapshot(imageRun)];
  [toy, images] = await Promise.all([startServer({ run: toyRun, ...LOCAL }), startServer({ run: imageRun, ...LOCAL })]);
});
after(async () => {
  await Promise.all([toy?.close(), images?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const post = (s: Serving, body: unknown, type = 'application/json') =>
  fetch(`${s.url}api/jobs`, { method: 'POST', headers: { 'content-type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) });

/** Polls a job until it has finished. */
async function finished<R>(s: Serving, status: JobStatus<R>): Promise<JobStatus<R>> {
  while (status.state === 'queued' || status.state === 'running') {
    await new Promise((resolve) => setTimeout(resolve, 20));
    status = await (await fetch(`${s.url}api/jobs/${status.id}`)).json() as JobStatus<R>;
  }
  return status;
}

/** Queues a job and polls it to the end; it must succeed. */
async function job<R extends JobResult>(s: Serving, body: object): Promise<JobStatus<R> & { result: R }> {
  const res = await post(s, body);
  const status = await res.json() as JobStatus<R>;
  assert.equal(res.status, 202, JSON.stringify(status));
  const end = await finished(s, status);
  assert.equal(end.state, 'done', end.error);
  return end as JobStatus<R> & { result: R };
}

/** The status of a hand-written request `METHOD target` with this Host header (any target, any Host). */
function rawStatus(s: Serving, target: string, host: string, method = 'GET'): Promise<number> {
  const port = Number(new URL(s.url).port);
  return new Promise((resolve, reject) => {
    let head = '';
    const socket = connect(port, '127.0.0.1', () => socket.end(`${method} ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
    socket.on('data', (d) => { head += d; }).on('error', reject)
      .on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? NaN)));
  });
}

const cli = join(import.meta.dirname, '..', '..', 'bin', 'disco-diff.js');

/** Starts `disco-diff serve` on `run` as a child process; resolves with its URL once it serves. */
function serveCli(run: string): { child: ChildProcess; url: Promise<string>; output: () => string } {
  const child = spawn(process.execPath, [cli, 'serve', '--run', run, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const url = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => { out += d; const m = /at (http:\S+)/.exec(out); if (m) resolve(m[1]!); });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code} before serving: ${out}`)));
  });
  return { child, url, output: () => out };
}

const png = (dataUrl: string) => pngSize(Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64'));

test('the page, its assets and the run facts; any other path is 404, a wrong method 405', async () => {
  const page = await fetch(toy.url);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type')!, /^text\/html/);
  assert.match(page.headers.get('content-security-policy')!, /default-src 'self'/);
  assert.match(await page.text(), /<script type="module" src="\/app.js">/);
  for (const asset of ['app.js', 'controls.js', 'jobs.js', 'images.js', 'points.js']) {
    assert.match((await fetch(images.url + asset)).headers.get('content-type')!, /^text\/javascript/, asset);
  }
  const info = await (await fetch(`${toy.url}api/info`)).json();
  assert.deepEqual([info.kind, info.shape, info.latents, info.prior, info.step, info.numClasses], ['points', [2], { m: 1, k: 8 }, true, 30, 0]);
  const imageInfo = await (await fetch(`${images.url}api/info`)).json();
  assert.deepEqual([imageInfo.kind, imageInfo.shape, imageInfo.latents, imageInfo.sample.steps], ['images', [1, 16, 16], { m: 2, k: 4 }, 6]);
  for (const path of ['config.json', 'checkpoint.safetensors', '..%2fconfig.json', 'page/index.html', 'api/jobs/not-a-job']) {
    const r = await fetch(toy.url + path);
    assert.equal(r.status, 404, path);
    assert.match((await r.json()).error, /^(not found|no job)/);
  }
  assert.equal((await fetch(`${toy.url}api/jobs`)).status, 405);
  assert.equal((await fetch(`${toy.url}api/info`, { method: 'POST' })).status, 405);
});

test('bad requests get 400 (or 403, 413, 415) with a message naming the problem', async () => {
  let r = await post(toy, { kind: 'points', n: 1e9, latents: [8] });
  assert.equal(r.status, 400);
  assert.equal((await r.json()).error, 'n: must be an integer from 1 to 4000; latents.0: must be null (drawn from the prior) or a code from 0 to 7');
  r = await post(images, { kind: 'images', guidance: -1 });
  assert.deepEqual([r.status, (await r.json()).error], [400, 'guidance: must be a number from 0 to 10']);
  r = await post(images, '{"kind": "images",');
  assert.equal(r.status, 400);
  assert.match((await r.json()).error, /^the request body is not valid JSON/);
  assert.equal((await post(images, { kind: 'images' }, 'text/plain')).status, 415);
  assert.equal((await post(images, { kind: 'images', pad: 'x'.repeat(20_000) })).status, 413);
  const port = new URL(toy.url).port;
  assert.equal(await rawStatus(toy, '/api/info', `evil.example:${port}`), 403, 'a loopback server answers only to its own host names');
  assert.equal(await rawStatus(toy, '/api/info', `127.0.0.1:${port}`), 200);
});

test('a malformed request target is a 400 (or a path that names nothing, 404), never a 500', async () => {
  const host = new URL(toy.url).host;
  assert.equal(await rawStatus(toy, 'http://[::1', host), 400);
  assert.equal(await rawStatus(toy, 'http://evil.example/api/info', host), 400, 'only origin-form targets (/path)');
  assert.equal(await rawStatus(toy, '*', host, 'OPTIONS'), 400);
  assert.equal(await rawStatus(toy, '//evil.example:99999/', host), 404, 'an origin-form path with an empty first segment');
  assert.equal(await rawStatus(toy, '//evil.example:99999/', host, 'POST'), 404);
  assert.equal(await rawStatus(toy, '/api/info?x=%zz#', host), 200);
});

test('bound to every interface (0.0.0.0), the server answers to this machine\'s names and --allow-host, not a foreign Host', async () => {
  const wide = await startServer({ run: toyRun, port: 0, host: '0.0.0.0', allowHosts: ['tunnel.example'] });
  try {
    const port = new URL(wide.url).port;
    for (const h of ['evil.example', 'rebind.evil.example', `${hostname()}.evil.example`]) {
      assert.equal(await rawStatus(wide, '/api/info', `${h}:${port}`), 403, h);
      assert.equal(await rawStatus(wide, '/api/jobs', `${h}:${port}`, 'POST'), 403, `POST with Host ${h}`);
    }
    for (const h of [hostname(), '127.0.0.1', 'localhost', 'tunnel.example']) assert.equal(await rawStatus(wide, '/api/info', `${h}:${port}`), 200, h);
  } finally {
    await wide.close();
  }
});

test('image grids: chosen latents, same latents with new noise, new latents with the same noise', async () => {
  const base = { kind: 'images', n: 6, latents: [2, null], seed: 3, latentSeed: 5 };
  const a = (await job<ImagesResult>(images, base)).result;
  assert.deepEqual(png(a.image), { width: 3 * 17 + 1, height: 2 * 17 + 1 }, '6 images of 16×16 in 3 columns, 1 px apart');
  assert.deepEqual(a.codes!.map((z) => z[0]), [2, 2, 2, 2, 2, 2]);
  assert.deepEqual([a.nfe, a.labels], [2 * 6 - 1, null]);
  assert.equal((await job<ImagesResult>(images, base)).result.image, a.image, 'the same request gives the same grid');
  const newNoise = (await job<ImagesResult>(images, { ...base, seed: 4 })).result;
  assert.deepEqual(newNoise.codes, a.codes);
  assert.notEqual(newNoise.image, a.image);
  const newLatents = (await job<ImagesResult>(images, { ...base, latentSeed: 6 })).result;
  assert.notDeepEqual(newLatents.codes, a.codes);
  assert.notEqual(newLatents.image, a.image);
});

test('latent switching: z₁ only is the grid of z₁; switching below σ_max is z₂ only', async () => {
  const common = { n: 4, latents: [0, 1], seed: 3 };
  const grid = (await job<ImagesResult>(images, { kind: 'images', ...common })).result;
  const top = (await job<SwitchResult>(images, { kind: 'switch', ...common, switchLatents: [3, 2], sigma: 80 })).result;
  assert.deepEqual(top.panels.map((p) => p.label), ['z₁ only', 'z₁, then z₂ below σ = 80', 'z₂ only']);
  assert.deepEqual([top.switchStep, top.steps], [0, 6]);
  assert.equal(top.panels[0]!.image, grid.image);
  assert.equal(top.panels[1]!.image, top.panels[2]!.image);
  assert.notEqual(top.panels[0]!.image, top.panels[2]!.image, 'the latents change the samples');
  const low = (await job<SwitchResult>(images, { kind: 'switch', ...common, switchLatents: [3, 2], sigma: 0.01 })).result;
  assert.equal(low.switchStep, 5);
  assert.notEqual(low.panels[1]!.image, low.panels[2]!.image);
});

test('2-D points: samples of the chosen code, their trajectories, and data to compare', async () => {
  const r = (await job<PointsResult>(toy, { kind: 'points', n: 300, latents: [5], trajectories: 7, seed: 1 })).result;
  assert.equal(r.samples.length, 300);
  assert.ok(r.samples.every((p) => p.length === 2 && p.every(Number.isFinite)));
  assert.ok(r.codes!.every((z) => z.length === 1 && z[0] === 5));
  assert.deepEqual([r.trajectories.length, r.trajectories[0]!.length], [7, 8 + 1], '7 paths over σ_0 … σ_8 = 0');
  r.trajectories.forEach((path, i) => path.at(-1)!.forEach((v, d) => assert.ok(Math.abs(v - r.samples[i]![d]!) < 1e-3, 'a path ends at its sample')));
  assert.deepEqual([r.data.length, r.dataLabels.length], [300, 300]);
  assert.ok(r.dataLabels.every((c) => Number.isInteger(c) && c >= 0 && c < 8));
  const all = (await job<PointsResult>(toy, { kind: 'points', n: 300, latents: [null] })).result;
  assert.ok(new Set(all.codes!.map((z) => z[0])).size > 1, 'the prior draws several codes');
  assert.deepEqual(all.data, r.data, 'the same data every time');
});

test('jobs queue and run one at a time, in order', async () => {
  const statuses = [];
  for (const n of [64, 8, 8]) statuses.push(await (await post(images, { kind: 'images', n })).json() as JobStatus<ImagesResult>);
  assert.deepEqual(statuses.slice(1).map((s) => s.state), ['queued', 'queued'], 'later jobs wait while the first samples');
  assert.deepEqual(statuses.slice(1).map((s) => s.position), [1, 2]);
  const done = [];
  for (const status of statuses) done.push(await finished(images, status));
  assert.deepEqual(done.map((d) => d.state), ['done', 'done', 'done']);
  for (let i = 1; i < done.length; i++) assert.ok(done[i]!.startedAt! >= done[i - 1]!.finishedAt!, `job ${i} started after job ${i - 1} ended`);
});

test('the sampling process frees every tensor of a job', () => {
  for (const [run, bodies] of [
    [imageRun, [{ kind: 'images', n: 4, steps: 3, guidance: 2, latents: [1, null] },
      { kind: 'switch', n: 2, steps: 3, sampler: 'euler', latents: [null, 0], switchLatents: [3, null] }]],
    [toyRun, [{ kind: 'points', n: 50, steps: 3, trajectories: 5 }]],
  ] as const) {
    const ex = Explorer.open(run);
    const loaded = liveTensors();
    for (const body of bodies) ex.run(parseJobRequest(body, ex.facts), () => {});
    assert.equal(liveTensors(), loaded, `${run}: tensors left after the jobs`);
    ex.dispose();
  }
});

test('nothing is written to the run directories', () => {
  assert.deepEqual([...snapshot(toyRun), ...snapshot(imageRun)], before_);
});

test('start errors name the problem: a missing run, a port in use', async () => {
  await assert.rejects(startServer({ run: join(dir, 'missing'), ...LOCAL }), /run directory not found/);
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as AddressInfo).port;
  await assert.rejects(startServer({ run: toyRun, port, host: '127.0.0.1' }), new RegExp(`port ${port} on 127.0.0.1 is in use`));
  blocker.close();
});

test('`disco-diff serve` prints its URL, serves, and stops on SIGINT', async () => {
  const { child, url, output } = serveCli(toyRun);
  const u = await url;
  assert.match(output(), /^serving .* \(2-D points\) at http:\/\/127\.0\.0\.1:\d+\//);
  assert.equal((await (await fetch(`${u}api/info`)).json()).kind, 'points');
  const code = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGINT');
  assert.equal(await code, 0);
});

/** Whether process `pid` runs (a zombie does not). */
function running(pid: number): boolean {
  try {
    return !execFileSync('ps', ['-o', 'stat=', '-p', String(pid)]).toString().trim().startsWith('Z');
  } catch {
    return false;
  }
}

test('a killed `disco-diff serve` (SIGKILL) takes its sampling process with it, also in the middle of a job', async () => {
  const { child, url } = serveCli(imageRun);
  const u = await url;
  const worker = Number(/^\s*(\d+) .*worker\.[jt]s/m.exec(execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(child.pid)]).toString())?.[1]);
  assert.ok(running(worker), 'the sampling process runs');
  try {
    const res = await fetch(`${u}api/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'images', n: 64, steps: 200 }) });
    let status = await res.json() as JobStatus<ImagesResult>;
    while (!status.progress) status = await (await fetch(`${u}api/jobs/${status.id}`)).json() as JobStatus<ImagesResult>;
    child.kill('SIGKILL');
    const start = Date.now();
    while (running(worker) && Date.now() - start < 5000) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(running(worker), false, 'the sampling process outlived its server by 5 s (it was sampling 64 images × 200 steps)');
  } finally {
    if (running(worker)) process.kill(worker, 'SIGKILL');
  }
});
