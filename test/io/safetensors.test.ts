// safetensors: a round trip of every dtype, the file layout (8-byte length, JSON header padded to
// 8 bytes, contiguous data offsets), a file written by hand, and a file read back by Python.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randn, setNumThreads, tensor, tidy, type Tensor } from '../../src/engine/index.js';
import { loadSafetensors, saveSafetensors } from '../../src/io/index.js';
import { PYTHON, skipWithoutTorch } from '../interop/helpers.js';

before(() => setNumThreads(1));

const dir = mkdtempSync(join(tmpdir(), 'disco-safetensors-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const flat = (m: Map<string, Tensor>): Record<string, number[]> =>
  Object.fromEntries([...m].map(([k, t]) => [k, t.toFlatArray()]));

test('round trip of every dtype: values, shapes, dtypes and metadata come back exactly', () => tidy(() => {
  const tensors = new Map<string, Tensor>([
    ['f32', randn([2, 3])],
    ['f64', randn([4], { dtype: 'float64' })],
    ['i64', tensor([-(2 ** 53), 0, 2 ** 40], { dtype: 'int64' })],
    ['i32', tensor([[-(2 ** 31)], [2 ** 31 - 1]], { dtype: 'int32' })],
    ['u8', tensor([0, 128, 255], { dtype: 'uint8' })],
    ['bool', tensor([true, false, false, true], { dtype: 'bool' })],
    ['f16', tensor([0.5, -2, 1024, 2 ** -14], { dtype: 'float16' })], // exactly representable in half
    ['bf16', tensor([0.5, -2, 2 ** 100], { dtype: 'bfloat16' })],
    ['scalar', tensor([3]).reshape()],
    ['empty', randn([0, 2])],
  ]);
  const path = join(dir, 'all.safetensors');
  saveSafetensors(path, tensors, { step: '7', note: 'héllo ✓' });
  const back = loadSafetensors(path);
  assert.deepEqual(back.metadata, { step: '7', note: 'héllo ✓' });
  assert.deepEqual([...back.tensors.keys()], [...tensors.keys()]);
  for (const [name, t] of tensors) {
    const b = back.tensors.get(name)!;
    assert.equal(b.dtype, t.dtype, name);
    assert.deepEqual(b.shape, t.shape, name);
  }
  assert.deepEqual(flat(back.tensors), flat(tensors));
  for (const t of back.tensors.values()) t.dispose();
}));

test('layout: u64 header length, JSON header padded with spaces to 8 bytes, data offsets back to back', () => tidy(() => {
  const path = join(dir, 'layout.safetensors');
  saveSafetensors(path, new Map([['a', tensor([1, 2], { dtype: 'int32' })], ['b', tensor([0.5])]]), { é: 'x' });
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  assert.equal(n % 8, 0);
  const text = buf.subarray(8, 8 + n).toString('utf8');
  assert.match(text, /^\{.*\} *$/);
  assert.deepEqual(JSON.parse(text), {
    __metadata__: { é: 'x' },
    a: { dtype: 'I32', shape: [2], data_offsets: [0, 8] },
    b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
  });
  assert.equal(buf.byteLength, 8 + n + 12);
  assert.deepEqual([...new Int32Array(buf.buffer.slice(buf.byteOffset + 8 + n, buf.byteOffset + 8 + n + 8))], [1, 2]);
}));

test('a file written by hand (another writer: unpadded header, no metadata, tensors out of order) is read', () => tidy(() => {
  const header = Buffer.from(JSON.stringify({
    y: { dtype: 'F64', shape: [1], data_offsets: [8, 16] },
    x: { dtype: 'I64', shape: [1], data_offsets: [0, 8] },
  }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.byteLength));
  const path = join(dir, 'hand.safetensors');
  writeFileSync(path, Buffer.concat([len, header, Buffer.from(new BigInt64Array([-5n]).buffer), Buffer.from(new Float64Array([0.25]).buffer)]));
  const { tensors, metadata } = loadSafetensors(path);
  assert.deepEqual(metadata, {});
  assert.deepEqual(flat(tensors), { y: [0.25], x: [-5] });
  assert.equal(tensors.get('x')!.dtype, 'int64');
  for (const t of tensors.values()) t.dispose();
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
