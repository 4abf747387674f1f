// The bench scripts' shared command line (bench/args.ts) and machine record (bench/record.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseFlags, usage, type FlagSpec } from '../../bench/args.js';
import { cpuFromCpuinfo, machineRecord } from '../../bench/record.js';

const spec = {
  steps: { kind: 'number', default: '400', help: 'steps' },
  seeds: { kind: 'numbers', default: '0,1', help: 'seeds' },
  variants: { kind: 'list', help: 'variants' },
  out: { kind: 'string', help: 'out' },
  quick: { kind: 'boolean', help: 'quick' },
  set: { kind: 'repeat', help: 'overrides' },
} as const satisfies Record<string, FlagSpec>;

test('defaults apply when a flag is absent', () => {
  assert.deepEqual(parseFlags(spec, []), { steps: 400, seeds: [0, 1], quick: false, set: [] });
});

test('--name value, --name=value, lists, booleans and repeats', () => {
  const a = parseFlags(spec, ['--steps', '12', '--seeds=3,4,5', '--variants', 'ours,edm', '--quick', '--out', 'runs/x',
    '--set', 'a.b=1', '--set=c=2']);
  assert.deepEqual(a, { steps: 12, seeds: [3, 4, 5], variants: ['ours', 'edm'], out: 'runs/x', quick: true, set: ['a.b=1', 'c=2'] });
});

test('errors name the flag', () => {
  assert.throws(() => parseFlags(spec, ['--stpes', '3']), /unknown flag --stpes \(known: --steps, --seeds/);
  assert.throws(() => parseFlags(spec, ['--steps', 'many']), /--steps: 'many' is not a number/);
  assert.throws(() => parseFlags(spec, ['--seeds', '1,,2']), /--seeds: '' is not a number/);
  assert.throws(() => parseFlags(spec, ['--out']), /--out needs a value/);
  assert.throws(() => parseFlags(spec, ['--out', '--quick']), /--out needs a value/);
  assert.throws(() => parseFlags(spec, ['--quick=yes']), /--quick takes no value/);
  assert.throws(() => parseFlags(spec, ['stray']), /unexpected argument 'stray'/);
});

test('the usage lists every flag with its default', () => {
  const u = usage('bench/x.ts [flags]', spec);
  assert.match(u, /^bench\/x\.ts \[flags\]\n/);
  assert.match(u, /--steps V +steps \(default 400\)/);
  assert.match(u, /--set V \(repeatable\) +overrides/);
  assert.equal(u.split('\n').length, 1 + Object.keys(spec).length);
});

test('a bench script prints its usage on --help and exits 2 on an unknown flag', () => {
  const script = join(import.meta.dirname, '..', '..', 'bench', 'prior.ts');
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { encoding: 'utf8' });
  const help = run(['--help']);
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /--sizes V +prior sizes/);
  const bad = run(['--bogus', '1']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown flag --bogus/);
});

test('the machine record reads the CPU model and the widest ISA', () => {
  const intel = 'processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu sse4_2 avx avx2 avx512f avx512bw\n';
  assert.deepEqual(cpuFromCpuinfo(intel), { cpu: 'Intel(R) Xeon(R) Processor', isa: 'avx512f' });
  const amd = 'model name\t: AMD EPYC 7B13\nflags\t\t: fpu sse4_2 avx avx2 fma\n';
  assert.deepEqual(cpuFromCpuinfo(amd), { cpu: 'AMD EPYC 7B13', isa: 'avx2' });
  assert.equal(cpuFromCpuinfo('Features\t: fp asimd evtstrm\n').isa, 'asimd');
});

test('the machine record names the commit, the cores and the threads it is given', () => {
  const r = machineRecord({ threads: [1, 2], note: 'two sides' });
  assert.match(r.commit, /^[0-9a-f]{40}(-dirty)?$/);
  assert.ok(Number.isInteger(r.cores) && r.cores >= 1);
  assert.deepEqual(r.threads, [1, 2]);
  assert.match(r.libtorch, /^\d+\.\d+/);
  assert.equal(r.note, 'two sides');
  assert.ok(!Number.isNaN(Date.parse(r.date)));
});
