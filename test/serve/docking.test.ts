// `disco-diff serve` on a docking run: a tiny DisCo-DiffDock run trained here on the data set's CI
// slice (1HPV), its facts, the validation of poses requests, poses jobs through the HTTP API and in
// process (every latent source), the pocket's PDB text, and the 3Dmol.js asset.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { liveTensors } from '../../src/engine/index.js';
import { readReceptor, readReceptorFile, type Residue } from '../../src/chem/receptor.js';
import { startServer, type Serving } from '../../src/serve/server.js';
import { openExplorer } from '../../src/serve/open-explorer.js';
import type { DockingFacts } from '../../src/serve/docking-facts.js';
import type { JobStatus } from '../../src/serve/jobs.js';
import type { PosesResult } from '../../src/serve/poses.js';
import { BadRequest, parseJobRequest } from '../../src/serve/validate.js';
import { trainDockingRun } from './runs.js';

const RECEPTOR = join(import.meta.dirname, '..', '..', 'data', 'docking', 'receptors', '1HPV.pdbqt');

const dir = mkdtempSync(join(tmpdir(), 'dd-serve-docking-'));
const run = join(dir, 'disco');
let server: Serving, facts: DockingFacts, files: string[];

/** Every file of the run with its size and modification time. */
const snapshot = () => readdirSync(run).map((f) => { const s = statSync(join(run, f)); return `${f} ${s.size} ${s.mtimeMs}`; });

before(async () => {
  await trainDockingRun(dir, 'disco');
  files = snapshot();
  server = await startServer({ run, port: 0, host: '127.0.0.1' });
  facts = server.facts as DockingFacts;
});
after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const post = (body: unknown) => fetch(`${server.url}api/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Queues a poses job and polls it to the end; it must succeed. */
async function job(body: object): Promise<PosesResult> {
  const res = await post(body);
  let status = await res.json() as JobStatus<PosesResult>;
  assert.equal(res.status, 202, JSON.stringify(status));
  while (status.state === 'queued' || status.state === 'running') {
    await new Promise((resolve) => setTimeout(resolve, 20));
    status = await (await fetch(`${server.url}api/jobs/${status.id}`)).json() as JobStatus<PosesResult>;
  }
  assert.equal(status.state, 'done', status.error);
  return status.result!;
}

const rejects = (body: unknown, f: DockingFacts, re: RegExp) =>
  assert.throws(() => parseJobRequest(body, f), (e: Error) => e instanceof BadRequest && re.test(e.message), `${JSON.stringify(body)} → ${re}`);

const dist = (p: readonly number[], q: readonly number[], i: number) => Math.hypot(p[0]! - q[3 * i]!, p[1]! - q[3 * i + 1]!, p[2]! - q[3 * i + 2]!);

test('the facts of a docking run: latents, prior, the test split\'s complexes, defaults and limits; the page and 3Dmol.js are served', async () => {
  const info = await (await fetch(`${server.url}api/info`)).json() as DockingFacts;
  assert.deepEqual(info, facts);
  assert.deepEqual([info.kind, info.step, info.latents, info.prior, info.sample.n, info.sample.steps, info.limits.poses],
    ['docking', 2, { m: 2 }, true, 4, 2, 40]);
  assert.ok(info.complexes.length > 1);
  for (const c of info.complexes) {
    assert.equal(c.receptor, '1HPV');
    assert.ok(c.modes >= 1 && c.atoms > 0 && c.residues > 100, JSON.stringify(c));
  }
  assert.ok(info.complexes.some((c) => c.crystal), 'the crystal ligand of 1HPV is in the test split');
  for (const [path, pattern] of [['3dmol.js', /\$3Dmol/], ['docking.js', /createViewer/]] as const) {
    const r = await fetch(server.url + path);
    assert.equal(r.status, 200, path);
    assert.match(r.headers.get('content-type')!, /^text\/javascript/);
    assert.match(await r.text(), pattern);
  }
  assert.equal((await fetch(`${server.url}3Dmol.js`)).status, 404, 'only the one file of the package');
});

test('bad poses requests are 400s naming the field', async () => {
  const c0 = facts.complexes[0]!, nodes = c0.atoms + c0.residues, last = facts.complexes.length - 1;
  for (const [body, error] of [
    [{ kind: 'poses', complex: last + 1 }, `complex: must be the index of a complex, from 0 to ${last}`],
    [{ kind: 'poses', n: 41, steps: 0 }, 'n: must be an integer from 1 to 40; steps: must be an integer from 1 to 200'],
    [{ kind: 'poses', z: { kind: 'mode', mode: c0.modes } },
      `z.mode: complex 0 (1HPV/${c0.id}) has ${c0.modes} reference modes: must be from 0 to ${c0.modes - 1}`],
    [{ kind: 'poses', z: { kind: 'nodes', nodes: [0, nodes] } }, `z.nodes.1: complex 0 (1HPV/${c0.id}) has ${nodes} nodes ` +
      `(ligand atoms 0–${c0.atoms - 1}, residues ${c0.atoms}–${nodes - 1}): must be from 0 to ${nodes - 1}`],
    [{ kind: 'poses', z: { kind: 'nodes', nodes: [0] } }, 'z.nodes: must list 2 node indices, one per latent'],
    [{ kind: 'poses', z: { kind: 'nodes', nodes: [0, -1] } }, 'z.nodes.1: must be an integer from 0'],
    [{ kind: 'poses', z: 'prior' }, "z: must be { kind: 'prior' }, { kind: 'mode', mode }, { kind: 'nodes', nodes } or { kind: 'none' }"],
    [{ kind: 'images' }, "kind: must be 'poses' for this docking run, got \"images\""],
  ] as const) {
    const r = await post(body);
    assert.deepEqual([r.status, (await r.json()).error], [400, error], JSON.stringify(body));
  }
  assert.deepEqual(parseJobRequest({ kind: 'poses' }, facts),
    { kind: 'poses', complex: 0, n: 4, steps: 2, seed: 0, latentSeed: 0, z: { kind: 'prior' } });
  const noPrior = { ...facts, prior: false };
  rejects({ kind: 'poses', z: { kind: 'prior' } }, noPrior, /^z: this run has no trained prior/);
  assert.deepEqual(parseJobRequest({ kind: 'poses' }, noPrior).z, { kind: 'mode', mode: 0 }, 'without a prior: the z of the best mode');
  const dm = { ...facts, latents: null, prior: false };
  for (const z of [{ kind: 'prior' }, { kind: 'mode', mode: 0 }, { kind: 'nodes', nodes: [] }]) {
    rejects({ kind: 'poses', z }, dm, /^z: this run is a docking DM without latents: must be \{ kind: 'none' \}$/);
  }
  assert.deepEqual(parseJobRequest({ kind: 'poses' }, dm).z, { kind: 'none' });
});

test('a poses job through the HTTP API: ranked poses under draws of a mode\'s z, the references, the pocket as PDB, the legend', async () => {
  const i = facts.complexes.findIndex((c) => c.crystal), c = facts.complexes[i]!;
  const r = await job({ kind: 'poses', complex: i, n: 2, seed: 1, z: { kind: 'mode', mode: 0 } });
  assert.deepEqual(r.complex.id, c.id);
  assert.equal(r.ligand.elements.length, c.atoms);
  for (const [a, b, order] of r.ligand.bonds) assert.ok(a < c.atoms && b < c.atoms && [1, 2, 3].includes(order));
  assert.deepEqual(r.poses.map((p) => p.rank), [1, 2]);
  for (const p of r.poses) assert.ok(p.coords.length === 3 * c.atoms && p.coords.every(Number.isFinite));
  const scores = r.poses.map((p) => p.score!);
  assert.ok(scores.every(Number.isFinite) && scores[0]! <= scores[1]!, `scores ${scores}`);
  // Each pose's z is a draw of the encoder's pointers on mode 0; the groups partition the poses by z.
  for (const p of r.poses) {
    const z = p.latents!;
    assert.ok(z.length === 2 && z.every((v) => Number.isInteger(v) && v >= 0 && v < c.atoms + c.residues), JSON.stringify(z));
    assert.deepEqual(r.groups[p.group]!.z, z);
  }
  assert.equal(r.groups.reduce((s, g) => s + g.count, 0), 2);
  for (const [gi, g] of r.groups.entries()) {
    assert.equal(g.best, Math.min(...r.poses.filter((p) => p.group === gi).map((p) => p.score!)));
    g.pointers.forEach((q, k) => {
      assert.equal(q.node, g.z![k]);
      assert.match(q.label, q.node < c.atoms ? /^ligand atom \d+ \([A-Z][a-z]?\)$/ : /^[A-Z]{3}\d+:[A-Z]$/);
      assert.ok(q.coord.every(Number.isFinite));
    });
  }
  assert.equal(r.modes.length, c.modes);
  assert.ok(r.modes.every((m) => m.coords.length === 3 * c.atoms && m.weight > 0 && m.affinity < 0));
  assert.equal(r.crystal?.length, 3 * c.atoms);

  const pocket = readReceptor(r.pocket, 'pdb', 'pocket').residues;
  const near = (res: Residue, reach: number) => res.atoms.some((a) => r.modes.some((m) => m.coords.some((_, k) => k % 3 === 0 && dist(a.coord, m.coords, k / 3) <= reach)));
  const receptor = readReceptorFile(RECEPTOR).residues;
  assert.ok(pocket.length > 5 && pocket.length < receptor.length, `${pocket.length} pocket residues`);
  assert.ok(pocket.every((res) => near(res, 10.01)), 'every pocket residue lies within 10 Å of a reference mode');
  const key = (res: Residue) => JSON.stringify(res);
  const inPocket = new Set(pocket.map(key));
  assert.ok(receptor.filter((res) => near(res, 9.99)).every((res) => inPocket.has(key(res))), 'every residue within 10 Å is in the pocket');
  assert.deepEqual(pocket, receptor.filter((res) => inPocket.has(key(res))), 'the PDB text reads back as the receptor\'s residues');
});

test('in process: the prior\'s z, chosen nodes and no latents; every tensor of a job is freed; nothing is written to the run', () => {
  const ex = openExplorer(run);
  try {
    const c = ex.facts.kind === 'docking' ? ex.facts.complexes[0]! : assert.fail('a docking explorer');
    const loaded = liveTensors();
    const poses = (body: object) => ex.run(parseJobRequest({ kind: 'poses', steps: 1, ...body }, ex.facts), () => {}) as PosesResult;
    const prior = poses({ n: 3, z: { kind: 'prior' }, latentSeed: 4 });
    assert.equal(prior.groups.reduce((s, g) => s + g.count, 0), 3);
    for (const p of prior.poses) assert.deepEqual(p.latents, prior.groups[p.group]!.z);
    const chosen = poses({ n: 2, z: { kind: 'nodes', nodes: [1, c.atoms] } });
    assert.deepEqual(chosen.groups.map((g) => [g.z, g.count]), [[[1, c.atoms], 2]]);
    const [atom, residue] = chosen.groups[0]!.pointers;
    assert.equal(atom!.label, `ligand atom 1 (${chosen.ligand.elements[1]})`);
    assert.ok(dist(atom!.coord, chosen.poses[0]!.coords, 1) < 1e-3, 'a ligand atom is placed on the best pose');
    assert.match(residue!.label, /^[A-Z]{3}\d+:[A-Z]$/);
    const none = poses({ n: 2, z: { kind: 'none' } });
    assert.deepEqual(none.groups, [{ z: null, pointers: [], count: 2, best: Math.min(...none.poses.map((p) => p.score!)) }]);
    assert.ok(none.poses.every((p) => p.latents === null && p.group === 0));
    assert.equal(liveTensors(), loaded, 'tensors left after the jobs');
  } finally {
    ex.dispose();
  }
  assert.deepEqual(snapshot(), files);
});
