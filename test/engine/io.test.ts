// Files: checkpoint round trip (model + Adam + EMA + RNG), corrupt/truncated files, .npy round
// trip, safetensors read back by Python, and the safety of writes and loads (NaN state, dtypes,
// temp files, errors that name the file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  F, Generator, arange, globalRngState, manualSeed, randn, setGlobalRngState, setNumThreads, tensor, tidy, type Tensor,
} from '../../src/engine/index.js';
import { MLP } from '../../src/nn/index.js';
import { Adam, EMA } from '../../src/optim/index.js';
import {
  NonFiniteStateError, loadCheckpoint, loadNpy, loadSafetensors, removeStaleTemps, saveCheckpoint, saveNpy, saveSafetensors, writeFileAtomic,
} from '../../src/io/index.js';
import { appendJsonl } from '../../src/train/jsonl.js';
import { PYTHON, skipWithoutTorch } from '../interop/helpers.js';

setNumThreads(1);

const dir = mkdtempSync(join(tmpdir(), 'disco-io-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const flat = (m: Map<string, Tensor>): Record<string, number[]> =>
  Object.fromEntries([...m].map(([k, t]) => [k, t.toFlatArray()]));

/** A model, its optimizer and EMA after a few training steps. */
function trained(seed: number, steps: number) {
  manualSeed(seed);
  const model = new MLP([2, 16, 2]);
  const opt = new Adam(model.namedParameters(), { lr: 1e-2 });
  const ema = new EMA(model, 0.9);
  for (let i = 0; i < steps; i++) {
    tidy(() => {
      opt.zeroGrad();
      const x = randn([8, 2]);
      F.mseLoss(model.forward(x), x).backward();
      opt.update();
      ema.update(model);
    });
  }
  return { model, opt, ema, dispose: () => { model.dispose(); opt.dispose(); ema.dispose(); } };
}

test('checkpoint round trip restores model, Adam, EMA, RNG states and metadata exactly', () => {
  const path = join(dir, 'ckpt.safetensors');
  const a = trained(1, 5);
  const gen = new Generator(77);
  randn([3], { generator: gen }).dispose();
  const rng = { global: globalRngState(), data: gen.getState() };
  saveCheckpoint(path, { model: a.model.stateDict(), ema: a.ema, optimizers: { main: a.opt }, rng, meta: { step: 5, name: 'toy' } });
  // what the original would do next: one more step, and the next random draws
  const nextGlobal = tidy(() => randn([4]).toFlatArray());
  const nextGen = tidy(() => randn([4], { generator: gen }).toFlatArray());

  const b = trained(2, 1); // different weights and moments
  assert.notDeepEqual(flat(b.model.stateDict()), flat(a.model.stateDict()));
  const ck = loadCheckpoint(path);
  try {
    b.model.loadStateDict(ck.model);
    b.ema.load(ck.ema);
    ck.restoreOptimizer('main', b.opt);
    setGlobalRngState(ck.rng.get('global')!);
    const gen2 = new Generator(0);
    gen2.setState(ck.rng.get('data')!);
    assert.deepEqual(ck.meta, { step: 5, name: 'toy' });
    assert.deepEqual(flat(b.model.stateDict()), flat(a.model.stateDict()));
    assert.deepEqual(flat(b.ema.shadow), flat(a.ema.shadow));
    assert.equal(b.opt.step, 5);
    assert.deepEqual(flat(b.opt.stateDict().tensors), flat(a.opt.stateDict().tensors));
    assert.deepEqual(tidy(() => randn([4]).toFlatArray()), nextGlobal);
    assert.deepEqual(tidy(() => randn([4], { generator: gen2 }).toFlatArray()), nextGen);
    gen2.dispose();
    assert.throws(() => ck.restoreOptimizer('other', b.opt), /has no optimizer state 'other'/);
  } finally {
    ck.dispose();
    gen.dispose();
    a.dispose();
    b.dispose();
  }
});

test('a truncated checkpoint and one with a garbage header give clear errors', () => {
  const path = join(dir, 'bad.safetensors');
  const a = trained(3, 1);
  try {
    saveCheckpoint(path, { model: a.model.stateDict(), optimizers: { main: a.opt } });
  } finally {
    a.dispose();
  }
  const good = readFileSync(path);
  truncateSync(path, good.byteLength - 100);
  assert.throws(() => loadCheckpoint(path), /corrupt .*truncated/);
  truncateSync(path, 20);
  assert.throws(() => loadCheckpoint(path), /corrupt .*truncated/);
  truncateSync(path, 3);
  assert.throws(() => loadCheckpoint(path), /corrupt .*too short/);

  const garbage = Buffer.from(good);
  garbage.write('#!garbage{{{', 8, 'latin1'); // header length intact, JSON not
  writeFileSync(path, garbage);
  assert.throws(() => loadCheckpoint(path), /corrupt .*not valid JSON/);
  const huge = Buffer.from(good);
  huge.writeBigUInt64LE(0xffffffffffn, 0); // header length past the end of the file
  writeFileSync(path, huge);
  assert.throws(() => loadCheckpoint(path), /corrupt .*truncated/);
  writeFileSync(path, Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('null')]));
  assert.throws(() => loadCheckpoint(path), /corrupt .*header/);
  assert.throws(() => loadCheckpoint(join(dir, 'missing.safetensors')), /not found/);
});

test('npy round trip for float32, int64 and float64, including a scalar', () => tidy(() => {
  const cases: [string, Tensor][] = [
    ['f32', randn([3, 4, 5])],
    ['i64', tensor([[-3, 0, 2 ** 40], [7, 8, 9]], { dtype: 'int64' })],
    ['f64', randn([7], { dtype: 'float64' })],
    ['scalar', tensor([2.5]).reshape()],
  ];
  for (const [name, t] of cases) {
    const path = join(dir, `${name}.npy`);
    saveNpy(path, t);
    const back = loadNpy(path);
    assert.equal(back.dtype, t.dtype);
    assert.deepEqual(back.shape, t.shape);
    assert.deepEqual(back.toFlatArray(), t.toFlatArray());
  }
  const path = join(dir, 'short.npy');
  saveNpy(path, arange(10));
  truncateSync(path, readFileSync(path).byteLength - 8);
  assert.throws(() => loadNpy(path), /bad \.npy file .*truncated/);
}));

test('a file written by saveSafetensors is read back by Python (struct + json + numpy)',
  { skip: skipWithoutTorch }, () => tidy(() => {
    const path = join(dir, 'py.safetensors');
    const tensors = new Map<string, Tensor>([
      ['w.f32', randn([2, 3])],
      ['idx.i64', tensor([1, -2, 3], { dtype: 'int64' })],
      ['x.f64', randn([4], { dtype: 'float64' })],
      ['b.u8', tensor([0, 255, 7], { dtype: 'uint8' })],
    ]);
    saveSafetensors(path, tensors, { note: 'héllo ✓' }); // non-ASCII: the header is padded in bytes
    const script = `
import json, struct, sys
import numpy as np
buf = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', buf[:8])[0]
header = json.loads(buf[8:8 + n])
data = buf[8 + n:]
kinds = {'F32': '<f4', 'F64': '<f8', 'I64': '<i8', 'U8': 'u1'}
out = {'__metadata__': header.pop('__metadata__'), 'header_bytes': n}
for name, e in header.items():
    a, b = e['data_offsets']
    arr = np.frombuffer(data[a:b], dtype=kinds[e['dtype']]).reshape(e['shape'])
    out[name] = {'shape': list(arr.shape), 'values': arr.ravel().tolist()}
print(json.dumps(out))`;
    const r = spawnSync(PYTHON, ['-c', script, path], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout) as Record<string, { shape: number[]; values: number[] }>;
    assert.deepEqual(got.__metadata__, { note: 'héllo ✓' });
    assert.equal(Number(got.header_bytes) % 8, 0, 'data should start 8-byte aligned');
    delete got.__metadata__;
    delete got.header_bytes;
    assert.deepEqual(Object.keys(got).sort(), [...tensors.keys()].sort());
    for (const [name, t] of tensors) {
      assert.deepEqual(got[name]!.shape, t.shape, name);
      assert.deepEqual(got[name]!.values, t.toFlatArray(), name); // exact: float32 widens to the same double
    }
    // and our reader reads what we wrote
    const back = loadSafetensors(path);
    assert.deepEqual(flat(back.tensors), flat(tensors));
    for (const t of back.tensors.values()) t.dispose();
  }));

test('saveCheckpoint refuses NaN/inf state (Adam moments included) and keeps the previous file', () => {
  const path = join(dir, 'guarded.safetensors');
  const a = trained(4, 2);
  try {
    saveCheckpoint(path, { model: a.model.stateDict(), ema: a.ema, optimizers: { adam: a.opt } });
    const before = readFileSync(path);
    a.opt.expAvgSq[0]!.fill_(Infinity);
    assert.throws(() => saveCheckpoint(path, { model: a.model.stateDict(), ema: a.ema, optimizers: { adam: a.opt } }),
      (e: Error) => e instanceof NonFiniteStateError && /refusing to write checkpoint .*guarded\.safetensors: .*optim\.adam\.exp_avg_sq\.0\.weight \(\d+ inf of \d+ values\)/.test(e.message));
    assert.deepEqual(readFileSync(path), before, 'the previous checkpoint is untouched');
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('guarded.safetensors.tmp')), []);
  } finally {
    a.dispose();
  }
});

test('loading state of the right shape but another dtype is refused by Module, Adam and EMA', () => {
  const a = trained(5, 1);
  try {
    const wrong = (sd: Map<string, Tensor>) => new Map([...sd].map(([k, t]) => [k, k.endsWith('0.weight') ? t.double() : t]));
    assert.throws(() => a.model.loadStateDict(wrong(a.model.stateDict())), /dtype mismatch for 0\.weight: checkpoint float64 vs model float32/);
    assert.throws(() => a.ema.load(wrong(a.ema.shadow)), /EMA state: dtype mismatch for 0\.weight/);
    const s = a.opt.stateDict();
    assert.throws(() => a.opt.loadStateDict({ step: s.step, tensors: wrong(s.tensors) }), /optimizer state: dtype mismatch for exp_avg\.0\.weight/);
  } finally {
    a.dispose();
  }
});

test('atomic writes: errors name the file, temp files never outlive a failure, stale ones are removed', () => {
  const sub = join(dir, 'atomic');
  mkdirSync(join(sub, 'target.npy'), { recursive: true });   // --out that is a directory
  assert.throws(() => saveNpy(join(sub, 'target.npy'), arange(3)), /cannot write .*atomic\/target\.npy: it is a directory/);
  writeFileSync(join(sub, 'file'), '');
  assert.throws(() => writeFileAtomic(join(sub, 'file', 'x.bin'), [new Uint8Array(1)]), /cannot write .*atomic\/file\/x\.bin: ENOTDIR/);
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  writeFileSync(join(sub, `a.bin.tmp-${dead}`), 'left by a killed writer');
  writeFileSync(join(sub, `a.bin.tmp-${process.ppid}`), 'a live writer');
  writeFileAtomic(join(sub, 'a.bin'), [new Uint8Array([1, 2])]);
  assert.deepEqual(readdirSync(sub).sort(), ['a.bin', `a.bin.tmp-${process.ppid}`, 'file', 'target.npy']);
  assert.deepEqual(removeStaleTemps(sub), []);
  // A full disk (Linux's /dev/full fails every write with ENOSPC): the error names the file.
  if (existsSync('/dev/full')) assert.throws(() => appendJsonl('/dev/full', { step: 1 }), /cannot append to \/dev\/full: ENOSPC/);
  // Reading a directory names it instead of a bare EISDIR.
  assert.throws(() => loadSafetensors(sub), /safetensors file .*atomic is a directory, not a file/);
  assert.throws(() => loadNpy(sub), /npy file .*atomic is a directory/);
});
