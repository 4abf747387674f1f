// The docking domain through the CLI on the committed data set's CI slice (1HPV, 4 training
// ligands): `train` (a new run, a refused second train, --resume), `dock` (SDF and SMILES ligands,
// blind and pocket-centred, ranked and unranked; poses that only move rigidly and turn torsions),
// `eval`, and bad input, each a one-line error with exit code 2. One small run serves every test.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Molecule } from '../../src/chem/molecule.js';
import { readReceptorFile } from '../../src/chem/receptor.js';
import { readSdf, writeSdf } from '../../src/chem/sdf.js';
import { ligandGraph } from '../../src/docking/featurize.js';
import { prepareReceptorForScoring, scorePoses } from '../../src/docking/vina-score.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'disco-diff.js');
/** The CLI run in the background (independent calls overlap): its exit code and output. */
function cliAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, [bin, ...args], { cwd: root });
    const out = { stdout: '', stderr: '' };
    p.stdout.on('data', (d) => { out.stdout += d; });
    p.stderr.on('data', (d) => { out.stderr += d; });
    p.on('error', fail);
    p.on('close', (status) => done({ status, ...out }));
  });
}

/** Exit code 2 and exactly one line on stderr, `disco-diff: error: …` matching `re`. */
async function failsWith(args: string[], re: RegExp): Promise<void> {
  const r = await cliAsync(args);
  assert.equal(r.status, 2, `exit ${r.status}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^disco-diff: error: /);
  assert.match(lines[0]!, re);
}

/** Runs the CLI and expects success; its stdout. */
async function ok(...args: string[]): Promise<string> {
  const r = await cliAsync(args);
  assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

const dir = mkdtempSync(join(tmpdir(), 'dd-dock-cli-'));
const run = join(dir, 'run');
const toyRun = join(dir, 'toy');
const receptor = join(root, 'data/docking/receptors/1HPV.pdbqt');
const ligandSdf = join(dir, 'amprenavir.sdf');
/** The centroid of amprenavir's crystal pose in 1HPV, in the pocket (Å). */
const POCKET = '9.9,16.2,8.8';

/** Amprenavir (1HPV's crystal ligand): heavy atoms, bonds and crystal coordinates from the data set. */
function amprenavir(): Molecule {
  const j = JSON.parse(readFileSync(join(root, 'data/docking/1HPV/crystal-478.json'), 'utf8'));
  return {
    title: 'amprenavir',
    atoms: j.elements.map((element: string, i: number) => ({ element, charge: j.charges[i] })),
    bonds: j.bonds.map(([a, b, order]: [number, number, 1 | 2 | 3 | 4]) => ({ a, b, order })),
    coords: Float64Array.from(j.crystal.coords.flat()),
    props: { source: 'crystal-478' },
  };
}

const dist = (c: Float64Array, i: number, j: number) => Math.hypot(c[3 * i]! - c[3 * j]!, c[3 * i + 1]! - c[3 * j + 1]!, c[3 * i + 2]! - c[3 * j + 2]!);

/**
 * Checks that every pose has the input's atoms and bonds, finite coordinates, and the input's bond
 * lengths and 1–3 distances (a rigid move and torsion turns keep both), to SDF's 4 decimals.
 */
function assertPosesOf(input: Molecule, poses: Molecule[]): void {
  const nbr = input.atoms.map(() => [] as number[]);
  for (const b of input.bonds) { nbr[b.a]!.push(b.b); nbr[b.b]!.push(b.a); }
  const pairs = [...input.bonds.map((b) => [b.a, b.b]), ...nbr.flatMap((ns) => ns.flatMap((i, k) => ns.slice(k + 1).map((j) => [i, j])))];
  for (const p of poses) {
    assert.deepEqual(p.atoms.map((a) => a.element), input.atoms.map((a) => a.element));
    assert.deepEqual(p.bonds, input.bonds);
    assert.ok(p.coords.every(Number.isFinite));
    for (const [i, j] of pairs) assert.ok(Math.abs(dist(p.coords, i!, j!) - dist(input.coords, i!, j!)) < 2e-3, `atoms ${i}–${j}`);
  }
}

/** The poses' `rank` and `vina_score` properties; ranks 1..n in file order. */
function ranked(poses: Molecule[]): number[] {
  assert.deepEqual(poses.map((p) => p.props.rank), poses.map((_, i) => String(i + 1)));
  return poses.map((p) => Number(p.props.vina_score));
}

before(async () => {
  writeFileSync(join(dir, 'tiny.yaml'), [
    'domain: docking',
    'data: { receptors: [1HPV], limit: 4 }',
    'model: { hidden: 16, layers: 1, rbf: 8 }',
    'train: { steps: 2, batch: 2, logEvery: 1, checkpointEvery: 2, threads: 1 }',
    'sample: { n: 4, steps: 3 }',
  ].join('\n'));
  writeFileSync(join(dir, 'toy.json'), JSON.stringify({ data: { kind: 'toy', name: '8gaussians', n: 64 },
    model: { kind: 'mlp', hidden: 8, layers: 2, embDim: 8 }, train: { steps: 1, batch: 16, logEvery: 1, checkpointEvery: 1 } }));
  writeFileSync(ligandSdf, writeSdf([amprenavir()]));
  const [docking] = await Promise.all([ok('train', '--config', join(dir, 'tiny.yaml'), '--out', run, '--quiet'),
    ok('train', '--config', join(dir, 'toy.json'), '--out', toyRun, '--quiet')]);
  assert.match(docking, /trained 2 steps/);
});

test('train writes a docking run; a second train is refused; --resume --steps continues it', async () => {
  for (const f of ['checkpoint.safetensors', 'config.json', 'metrics.jsonl']) assert.ok(existsSync(join(run, f)), f);
  assert.equal(JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')).domain, 'docking');
  const rows = () => readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const first = rows();
  assert.deepEqual(first.map((r) => r.step), [1, 2]);
  for (const r of first) for (const k of ['loss', 'tr', 'rot', 'tor']) assert.ok(Number.isFinite(r[k]) && r[k] >= 0, `${k} ${r[k]}`);
  await failsWith(['train', '--config', join(dir, 'tiny.yaml'), '--out', run], /already holds a trained run; pass --resume/);
  assert.match(await ok('train', '--out', run, '--resume', '--steps', '3', '--quiet'), /trained 3 steps/);
  const after = rows();
  assert.deepEqual(after.map((r) => r.step), [1, 2, 3]);
  assert.deepEqual(after.slice(0, 2), first);
  assert.equal(JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')).train.steps, 3);
});

test('dock amprenavir from an SDF: n ranked poses of the same molecule, sorted by Vina score, read by Open Babel', async (t) => {
  const out = join(dir, 'poses.sdf');
  assert.match(await ok('dock', '--run', run, '--receptor', receptor, '--ligand', ligandSdf, '--out', out, '--quiet'),
    /wrote 4 poses of 1 ligand\(s\) to .*poses\.sdf \(ranked by vina; best -?\d+\.\d\d kcal\/mol/);
  const input = readSdf(readFileSync(ligandSdf, 'utf8'))[0]!;
  const poses = readSdf(readFileSync(out, 'utf8'));
  assert.equal(poses.length, 4);
  assertPosesOf(input, poses);
  const scores = ranked(poses);
  assert.ok(scores.every(Number.isFinite));
  assert.deepEqual(scores, [...scores].sort((a, b) => a - b));
  for (const p of poses) assert.equal(p.title, 'amprenavir');
  for (const p of poses) assert.equal(p.props.source, 'crystal-478');
  if (spawnSync('obabel', ['-V']).error) {
    t.skip('obabel is not on PATH');
    return;
  }
  const ob = spawnSync('obabel', ['-isdf', out, '-otxt', '--append', 'atoms'], { encoding: 'utf8' });
  assert.match(ob.stderr, /4 molecules converted/);
  assert.deepEqual(ob.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).at(-1)), Array(4).fill('35'));
});

test('dock a SMILES ligand about a pocket centre (ODE): scores are those of the poses written, sorted', async () => {
  const out = join(dir, 'paracetamol.sdf');
  await ok('dock', '--run', run, '--receptor', receptor, '--ligand', 'CC(=O)Nc1ccc(O)cc1', '--out', out,
    '--center', POCKET, '--sampler', 'ode', '--n', '8', '--quiet');
  const poses = readSdf(readFileSync(out, 'utf8'));
  assert.equal(poses.length, 8);
  const count = (e: string) => poses[0]!.atoms.filter((a) => a.element === e).length;
  assert.deepEqual(['C', 'H', 'N', 'O'].map(count), [8, 9, 1, 2]);
  assertPosesOf(poses[0]!, poses);
  const scores = ranked(poses);
  assert.deepEqual(scores, [...scores].sort((a, b) => a - b));
  assert.ok(new Set(scores).size > 1, `scores ${scores}: every pose away from the protein`);
  const lig = ligandGraph(poses[0]!);
  const again = scorePoses(prepareReceptorForScoring(readReceptorFile(receptor)), lig.mol, poses.map((p) => p.coords), lig.bonds.length);
  again.forEach((s, i) => assert.ok(Math.abs(s - scores[i]!) < 0.02, `pose ${i + 1}: written ${scores[i]}, its coordinates score ${s}`));
});

test('re-docking every pose of a docked SDF (--all) with --ranker none: sample order, no stale vina_score', async () => {
  const out = join(dir, 'unranked.sdf');
  assert.match(await ok('dock', '--run', run, '--receptor', receptor, '--ligand', join(dir, 'poses.sdf'), '--out', out,
    '--ranker', 'none', '--all', '--n', '2', '--quiet'), /wrote 8 poses of 4 ligand\(s\) .*ranked by none; \d/);
  const poses = readSdf(readFileSync(out, 'utf8'));
  assert.equal(poses.length, 8);
  assert.deepEqual(poses.map((p) => `${p.props.ligand}:${p.props.rank}`), ['1:1', '1:2', '2:1', '2:2', '3:1', '3:2', '4:1', '4:2']);
  for (const p of poses) assert.deepEqual(Object.keys(p.props).sort(), ['ligand', 'rank', 'source']);
});

test('dock --refine with the shipped model: poses refined on Vina\'s energy keep their bonds, rank sorted, better scored', async () => {
  const [plain, refined] = [join(dir, 'plain.sdf'), join(dir, 'refined.sdf')];
  const shipped = ['--run', join(root, 'models', 'dock'), '--receptor', receptor, '--ligand', ligandSdf, '--center', POCKET, '--n', '8', '--quiet'];
  await ok('dock', ...shipped, '--out', plain, '--refine', '0');
  await ok('dock', ...shipped, '--out', refined, '--refine', '30');
  const input = readSdf(readFileSync(ligandSdf, 'utf8'))[0]!;
  const poses = readSdf(readFileSync(refined, 'utf8'));
  assertPosesOf(input, poses);
  const scores = ranked(poses);
  assert.deepEqual(scores, [...scores].sort((a, b) => a - b));
  assert.ok(scores[0]! < ranked(readSdf(readFileSync(plain, 'utf8')))[0]!, `best refined ${scores[0]} vs unrefined`);
});

test('DisCo-DiffDock through the CLI: train, train-prior, dock with prior z and with fixed --latents', async () => {
  const disco = join(dir, 'disco');
  writeFileSync(join(dir, 'tiny-disco.yaml'), [readFileSync(join(dir, 'tiny.yaml'), 'utf8'),
    'latents: { enabled: true, encoderLayers: 1, prior: { hidden: 8, layers: 1, steps: 3, batch: 2 } }'].join('\n'));
  assert.match(await ok('train', '--config', join(dir, 'tiny-disco.yaml'), '--out', disco, '--quiet'), /trained 2 steps/);
  await failsWith(['dock', '--run', disco, '--receptor', receptor, '--ligand', ligandSdf, '--out', join(dir, 'z.sdf')],
    /a trained prior \(run `disco-diff train-prior` first\)/);
  assert.match(await ok('train-prior', '--run', disco, '--quiet'), /prior trained: loss \d/);
  const out = join(dir, 'disco.sdf');
  await ok('dock', '--run', disco, '--receptor', receptor, '--ligand', ligandSdf, '--out', out, '--quiet');
  const poses = readSdf(readFileSync(out, 'utf8'));
  assert.equal(poses.length, 4);
  for (const p of poses) assert.match(p.props.latents ?? '', /^\d+,\d+$/);
  const fixed = join(dir, 'fixed.sdf');
  await ok('dock', '--run', disco, '--receptor', receptor, '--ligand', ligandSdf, '--out', fixed, '--latents', '0,40', '--quiet');
  assert.deepEqual(readSdf(readFileSync(fixed, 'utf8')).map((p) => p.props.latents), Array(4).fill('0,40'));
  await failsWith(['dock', '--run', disco, '--receptor', receptor, '--ligand', ligandSdf, '--out', fixed, '--latents', '3'],
    /--latents: the run has 2 latents, got 1/);
  await failsWith(['dock', '--run', run, '--receptor', receptor, '--ligand', ligandSdf, '--out', fixed, '--latents', '0,1'],
    /--latents: .* is a docking DM run without latents/);
  // --logit-scale reaches the prior: the same seed at the config's scale and at 10⁶ (each pose's argmax) draws other
  // latents (the 3-step prior is near uniform over its ~100 nodes); a DM run and --latents refuse it.
  const sharp = join(dir, 'sharp.sdf');
  const latentsOf = (f: string) => readSdf(readFileSync(f, 'utf8')).map((p) => p.props.latents).sort();
  await ok('dock', '--run', disco, '--receptor', receptor, '--ligand', ligandSdf, '--out', sharp, '--logit-scale', '1e6', '--quiet');
  assert.notDeepEqual(latentsOf(sharp), latentsOf(out));
  await failsWith(['dock', '--run', run, '--receptor', receptor, '--ligand', ligandSdf, '--out', sharp, '--logit-scale', '1'],
    /--logit-scale: .* is a docking DM run without latents/);
  await failsWith(['dock', '--run', disco, '--receptor', receptor, '--ligand', ligandSdf, '--out', sharp, '--logit-scale', '1', '--latents', '0,1'],
    /--logit-scale scales the prior, which --latents replaces: give one of them/);
  await failsWith(['dock', '--run', disco, '--receptor', receptor, '--ligand', ligandSdf, '--out', sharp, '--logit-scale', '0'],
    /--logit-scale/);
});

test('dock refuses bad input with one line and exit code 2', async () => {
  const dock = (o: Record<string, string>, ...extra: string[]) => ['dock', ...Object.entries({
    '--run': run, '--receptor': receptor, '--ligand': ligandSdf, '--out': join(dir, 'bad.sdf'), ...o }).flat(), ...extra];
  const flat = amprenavir();
  for (let i = 2; i < flat.coords.length; i += 3) flat.coords[i] = 0;
  writeFileSync(join(dir, 'flat.sdf'), writeSdf([flat]));
  writeFileSync(join(dir, 'garbage.pdb'), 'this is not\na protein \u0000\u0001\n');
  writeFileSync(join(dir, 'water.pdb'), 'HETATM    1  O   HOH A   1      10.000  10.000  10.000  1.00  0.00           O\nEND\n');
  const metrics = readFileSync(join(run, 'metrics.jsonl'));
  // Independent calls: they run side by side.
  await Promise.all([
    failsWith(dock({}, '--center', '500,500,500'), /the receptor has no residue within 20 Å of the pocket centre 500,500,500/),
    failsWith(dock({}, '--center', '1,2'), /--center must be three numbers x,y,z, got '1,2'/),
    failsWith(dock({ '--ligand': join(dir, 'missing.sdf') }), /ligand file not found: .*missing\.sdf/),
    failsWith(dock({ '--ligand': join(dir, 'flat.sdf') }), /ligand .*flat\.sdf has no 3-D coordinates \(all z = 0\)/),
    failsWith(dock({ '--receptor': join(dir, 'garbage.pdb') }), /receptor .*garbage\.pdb has no amino-acid atoms \(0 atoms/),
    failsWith(dock({ '--receptor': join(dir, 'water.pdb') }), /receptor .*water\.pdb has no amino-acid atoms \(1 atoms, none in a protein residue\)/),
    failsWith(dock({ '--run': toyRun }), /toy\/checkpoint\.safetensors is not a docking checkpoint \(stage stage1\)/),
    failsWith(dock({ '--run': join(dir, 'nowhere') }), /run directory not found: .*nowhere/),
    failsWith(dock({ '--out': join(run, 'metrics.jsonl') }), /--out .*metrics\.jsonl is the metrics log of the run .* being read/),
    // A docking config cannot resume a run of another domain.
    failsWith(['train', '--config', join(dir, 'tiny.yaml'), '--out', toyRun, '--resume'],
      /toy\/checkpoint\.safetensors is not a docking checkpoint \(stage stage1\); a docking config resumes only a docking run/),
  ]);
  assert.deepEqual(readFileSync(join(run, 'metrics.jsonl')), metrics);
});

test('eval writes RUN/metrics.json: the model beside the blind random baseline', async () => {
  const stdout = await ok('eval', '--run', run, '--n', '1');
  const m = JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8'));
  assert.deepEqual(JSON.parse(stdout).model.complexes, 1);
  assert.equal(m.step, 3);
  assert.equal(m.perComplex.length, 1);
  for (const side of ['model', 'randomBlind']) {
    assert.equal(m[side].complexes, 1);
    for (const k of ['precision', 'recall', 'top1Below']) {
      assert.ok(typeof m[side][k] === 'number' && m[side][k] >= 0 && m[side][k] <= 1, `${side}.${k} ${m[side][k]}`);
    }
    assert.ok(m[side].medianTop1Rmsd > 0);
  }
  assert.equal(m.model.top1Below, m.perComplex[0].top1Rmsd < 2 ? 1 : 0);
});
