// Fuzzing every file reader (issue #8): random and mutated safetensors, checkpoints, .npy, IDX and
// config files, seeded. Each case must load or fail with a plain Error naming the file; a native
// abort would end this process and fail the file. No tensor may be left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as fromYaml, stringify as toYaml } from 'yaml';
import { arange, liveTensors, randn, tensor, type Tensor } from '../../src/engine/index.js';
import { loadCheckpoint, loadNpy, loadSafetensors, saveCheckpoint, saveNpy, saveSafetensors } from '../../src/io/index.js';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { decodeIdx, encodeIdx } from '../../src/data/idx.js';
import { trainStage1 } from '../../src/train/stage1.js';
import { loadRun } from '../../src/train/load-run.js';
import { MLP } from '../../src/nn/index.js';
import { Adam, EMA } from '../../src/optim/index.js';

const dir = mkdtempSync(join(tmpdir(), 'dd-fuzz-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const r = prng(8);
const int = (n: number) => Math.floor(r() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;

/** Values that break readers: wrong types, negative, fractional, huge, tiny, non-finite in disguise. */
const WILD: readonly unknown[] = [-1, 0, 1, 2, 1.5, -0.5, 1e308, -1e300, 2 ** 53, 2 ** 64, 1e-320, 'x', '', 'NaN', null, true,
  [], {}, [1, 2], [-1], [1e20], [0, 1e15], ['a'], { a: 1 }, 'F32', 'I64', 'BOOL', 'F33'];

/** Runs `read` on `path`: fine if it loads (results are disposed), else the error must be a plain Error naming the file. */
function check(path: string, read: () => unknown, dispose: (v: never) => void = () => {}): 'ok' | 'error' {
  let v: unknown;
  try {
    v = read();
  } catch (e) {
    assert.equal((e as Error).constructor, Error, `${(e as Error).stack}`);
    assert.ok((e as Error).message.includes(path), `error does not name ${path}: ${(e as Error).message}`);
    return 'error';
  }
  dispose(v as never);
  return 'ok';
}

const disposeMap = (m: { tensors: Map<string, Tensor> }) => { for (const t of m.tensors.values()) t.dispose(); };

/** Byte-level mutations: flips, truncation, appended junk, overwritten length fields. */
function mutateBytes(b: Buffer): Buffer {
  let out = Buffer.from(b);
  for (let k = 1 + int(3); k > 0; k--) {
    const op = int(5);
    if (op === 0 && out.length) for (let i = 1 + int(8); i > 0; i--) out[int(out.length)] = int(256);
    else if (op === 1) out = out.subarray(0, int(out.length + 1));
    else if (op === 2) out = Buffer.concat([out, Buffer.from(Array.from({ length: int(64) }, () => int(256)))]);
    else if (op === 3 && out.length >= 8) out.writeBigUInt64LE(BigInt(pick([0, 1, 7, 8, 2 ** 31, 2 ** 40, int(out.length + 16)])), 0);
    else out = Buffer.from(Array.from({ length: int(200) }, () => int(256)));
  }
  return out;
}

/** A safetensors file with its JSON header mutated (one entry's field, the metadata, or the whole header). */
function mutateHeader(b: Buffer): Buffer {
  const n = Number(b.readBigUInt64LE(0));
  const header = JSON.parse(b.subarray(8, 8 + n).toString('utf8')) as Record<string, unknown>;
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const op = int(6);
  if (op === 0 && names.length) (header[pick(names)] as Record<string, unknown>)[pick(['dtype', 'shape', 'data_offsets'])] = structuredClone(pick(WILD));
  else if (op === 1 && names.length) delete (header[pick(names)] as Record<string, unknown>)[pick(['dtype', 'shape', 'data_offsets'])];
  else if (op === 2 && names.length) header[pick(names)] = structuredClone(pick(WILD));
  else if (op === 3) header.__metadata__ = pick([...WILD, { meta: pick(['{"step":"x"}', '[1]', '5', 'null', '{', '{"stage":"stage1"}']) }]);
  else if (op === 4 && names.length) {
    const e = header[pick(names)] as { shape: number[]; data_offsets: number[] };
    e.shape = e.shape.map((d) => pick([d, -d, d * 2, 0, d + 0.5]));
    e.data_offsets = e.data_offsets.map((o) => pick([o, o + 1, -o, o * 4]));
  } else header[pick(names.length ? names : ['w'])] = { dtype: pick(['F32', 'BOOL', 'U8']), shape: [int(4), int(4)], data_offsets: [0, int(40)] };
  const json = Buffer.from(r() < 0.9 ? JSON.stringify(header) : JSON.stringify(header).slice(0, -int(10) - 1));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, b.subarray(8 + n)]);
}

test('fuzz: mutated safetensors files and checkpoints give clean errors', () => {
  const plain = join(dir, 'plain.safetensors');
  saveSafetensors(plain, new Map<string, Tensor>([
    ['f32', randn([3, 4])], ['f64', randn([5], { dtype: 'float64' })], ['i64', arange(6)], ['i32', tensor([1, 2], { dtype: 'int32' })],
    ['u8', tensor([0, 255], { dtype: 'uint8' })], ['b', tensor([1, 0, 1], { dtype: 'bool' })], ['empty', randn([0, 3])],
  ]), { note: 'fuzz' });
  const ck = join(dir, 'ck.safetensors');
  const net = new MLP([2, 8, 2]);
  const opt = new Adam(net.namedParameters());
  const ema = new EMA(net, 0.9);
  saveCheckpoint(ck, { model: net.stateDict(), ema, optimizers: { adam: opt }, rng: { g: new Uint8Array([1, 2, 3]) }, meta: { step: 3 } });
  for (const x of [net, opt, ema]) x.dispose();
  const bases = [plain, ck].map((p) => readFileSync(p));
  const live = liveTensors();
  const outcomes = { ok: 0, error: 0 };
  const path = join(dir, 'case.safetensors');
  for (let i = 0; i < 1500; i++) {
    const base = pick(bases);
    writeFileSync(path, i % 2 ? mutateHeader(base) : mutateBytes(base));
    outcomes[check(path, () => loadSafetensors(path), disposeMap)]++;
    outcomes[check(path, () => loadCheckpoint(path), (c: { dispose(): void }) => c.dispose())]++;
  }
  assert.ok(outcomes.ok > 50 && outcomes.error > 500, JSON.stringify(outcomes));
  assert.equal(liveTensors(), live, 'no tensor leaks from failed reads');
});

test('fuzz: mutated .npy and IDX files give clean errors', () => {
  const bases = (['float32', 'float64', 'int64', 'int32', 'uint8', 'bool'] as const).map((dtype, i) => {
    const p = join(dir, `base${i}.npy`);
    const t = tensor(Array.from({ length: 12 }, (_, k) => k % 2), { dtype }).reshape(3, 4);
    saveNpy(p, t);
    t.dispose();
    return readFileSync(p);
  });
  const headerEdits: [RegExp, readonly string[]][] = [
    [/\(3, 4\)/, ['(-1, 12)', '(1.5,)', '(99999999999999999999,)', '(a, b)', '()', '(0, 1000000000000000)', '(3, 4, ', '(4, 3)', '(-3, -4)']],
    [/'<f4'|'<f8'|'<i8'|'<i4'|'\|u1'|'\|b1'/, ["'<f2'", "'>f4'", "'<u8'", "'x'", "''", "'|b1'", "'<i8'"]],
    [/False/, ['True', 'Maybe', '']],
  ];
  const live = liveTensors();
  const outcomes = { ok: 0, error: 0 };
  const path = join(dir, 'case.npy');
  for (let i = 0; i < 1500; i++) {
    let b: Buffer = Buffer.from(pick(bases));
    if (i % 3 === 0) {
      const [re, subs] = pick(headerEdits);
      b = editNpyHeader(b, re, pick(subs));
    } else if (i % 3 === 1) {
      b[6] = pick([0, 1, 2, 3, 4, 255]);
      if (r() < 0.5) b.writeUInt16LE(int(65536), 8);
      if (r() < 0.5) b[b.length - 1] = int(256);
    } else b = mutateBytes(b);
    writeFileSync(path, b);
    outcomes[check(path, () => loadNpy(path), (t: Tensor) => t.dispose())]++;
  }
  assert.ok(outcomes.ok > 50 && outcomes.error > 500, JSON.stringify(outcomes));
  assert.equal(liveTensors(), live);

  const idx = Buffer.from(encodeIdx([2, 3, 3], new Uint8Array(18), r() < 0.5));
  for (let i = 0; i < 500; i++) {
    const b = i % 2 ? mutateBytes(idx) : Buffer.from(Array.from({ length: int(40) }, () => int(256)));
    try {
      decodeIdx(b, 'fuzz.idx');
    } catch (e) {
      assert.equal((e as Error).constructor, Error);
      assert.match((e as Error).message, /fuzz\.idx/);
    }
  }
});

/** Replaces `re` in a version-1 .npy header, re-padded to its old length so the data still lines up. */
function editNpyHeader(b: Buffer, re: RegExp, sub: string): Buffer {
  const len = b.readUInt16LE(8);
  const head = b.subarray(10, 10 + len).toString('latin1').replace(re, sub).trimEnd();
  const padded = head.length < len ? head.padEnd(len - 1) + '\n' : head;
  const lenField = Buffer.alloc(2);
  lenField.writeUInt16LE(padded.length);
  return Buffer.concat([b.subarray(0, 8), lenField, Buffer.from(padded, 'latin1'), b.subarray(10 + len)]);
}

/** Sets `value` at a random path of a JSON object (or deletes, or adds an unknown key). */
function mutateObject(o: Record<string, unknown>): void {
  let node = o;
  for (;;) {
    const keys = Object.keys(node);
    const k = keys.length ? pick(keys) : 'x';
    const child = node[k];
    if (child && typeof child === 'object' && !Array.isArray(child) && r() < 0.7) {
      node = child as Record<string, unknown>;
      continue;
    }
    const op = int(4);
    if (op === 0) delete node[k];
    else if (op === 1) node[`unknown${int(3)}`] = structuredClone(pick(WILD));
    else node[k] = structuredClone(pick(WILD));
    return;
  }
}

test('fuzz: mutated JSON and YAML configs give clean errors', () => {
  const configs = join(import.meta.dirname, '..', '..', 'configs');
  const bases = readdirSync(configs).filter((f) => f.endsWith('.yaml')).map((f) => JSON.stringify(fromYaml(readFileSync(join(configs, f), 'utf8'))));
  const outcomes = { ok: 0, error: 0 };
  for (let i = 0; i < 1500; i++) {
    const obj = JSON.parse(pick(bases)) as Record<string, unknown>;
    for (let k = 1 + int(3); k > 0; k--) mutateObject(obj);
    const yaml = i % 3 === 0;
    let text = yaml ? toYaml(obj) : JSON.stringify(obj);
    if (i % 7 === 0) text = text.slice(0, int(text.length));
    if (i % 11 === 0) text = Array.from({ length: int(80) }, () => String.fromCharCode(int(128))).join('');
    const path = join(dir, `case.${yaml ? 'yaml' : 'json'}`);
    writeFileSync(path, text);
    outcomes[check(path, () => loadConfig(path))]++;
  }
  assert.ok(outcomes.ok > 50 && outcomes.error > 500, JSON.stringify(outcomes));
});

test('fuzz: a run whose checkpoint metadata is mutated gives clean errors from loadRun', async () => {
  const run = join(dir, 'run');
  await trainStage1(parseConfig({
    data: { kind: 'toy', n: 200 }, model: { kind: 'mlp', hidden: 8, layers: 2, embDim: 8 }, latents: { enabled: false },
    train: { steps: 1, batch: 32, checkpointEvery: 1, logEvery: 1 },
  }), run, { quiet: true });
  const path = join(run, 'checkpoint.safetensors');
  const { tensors, metadata } = loadSafetensors(path);
  const outcomes = { ok: 0, error: 0 };
  for (let i = 0; i < 300; i++) {
    const meta = JSON.parse(metadata.meta!) as Record<string, unknown>;
    const target = pick(['stage', 'step', 'dataInfo', 'dataInfo', 'config']);
    if (target === 'dataInfo') mutateObject(meta.dataInfo as Record<string, unknown>);
    else if (target === 'config') delete (meta.config as Record<string, unknown>)[pick(['model', 'data', 'train'])];
    else meta[target] = structuredClone(pick(WILD));
    saveSafetensors(path, tensors, { ...metadata, meta: JSON.stringify(meta) });
    outcomes[check(path, () => loadRun(run), (L: { model: { dispose(): void } }) => L.model.dispose())]++;
  }
  for (const t of tensors.values()) t.dispose();
  assert.ok(outcomes.error > 100, JSON.stringify(outcomes));
});
