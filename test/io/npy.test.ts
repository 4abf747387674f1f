// NumPy .npy files: a round trip of every supported dtype, the header layout, files written by
// hand as NumPy writes them (format 1.0 and 2.0), and the errors of unsupported or short files.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arange, randn, setNumThreads, tensor, tidy, type Tensor } from '../../src/engine/index.js';
import { loadNpy, saveNpy } from '../../src/io/index.js';

before(() => setNumThreads(1));

const dir = mkdtempSync(join(tmpdir(), 'disco-npy-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** A .npy file as NumPy writes it: magic, version, header length, header dict, raw bytes. */
function npyFile(major: 1 | 2, header: string, data: Buffer): Buffer {
  const len = Buffer.alloc(major === 1 ? 2 : 4);
  if (major === 1) len.writeUInt16LE(header.length);
  else len.writeUInt32LE(header.length);
  return Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([major, 0]), len, Buffer.from(header, 'latin1'), data]);
}

test('npy round trip of every supported dtype, including a scalar and an empty array', () => tidy(() => {
  const cases: [string, Tensor][] = [
    ['f32', randn([3, 4, 5])],
    ['f64', randn([7], { dtype: 'float64' })],
    ['i64', tensor([[-3, 0, 2 ** 40], [7, 8, 9]], { dtype: 'int64' })],
    ['i32', tensor([-(2 ** 31), 0, 2 ** 31 - 1], { dtype: 'int32' })],
    ['u8', tensor([0, 1, 255], { dtype: 'uint8' })],
    ['bool', tensor([true, false, true], { dtype: 'bool' })],
    ['scalar', tensor([2.5]).reshape()],
    ['empty', randn([0, 3])],
  ];
  for (const [name, t] of cases) {
    const path = join(dir, `${name}.npy`);
    saveNpy(path, t);
    const back = loadNpy(path);
    assert.equal(back.dtype, t.dtype, name);
    assert.deepEqual(back.shape, t.shape, name);
    assert.deepEqual(back.toFlatArray(), t.toFlatArray(), name);
  }
  const path = join(dir, 'short.npy');
  saveNpy(path, arange(10));
  truncateSync(path, readFileSync(path).byteLength - 8);
  assert.throws(() => loadNpy(path), /bad \.npy file .*truncated/);
}));

test('the header is a Python dict padded with spaces and a newline so the data starts 64-byte aligned', () => tidy(() => {
  const path = join(dir, 'layout.npy');
  saveNpy(path, tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'int32' }));
  const buf = readFileSync(path);
  assert.deepEqual([...buf.subarray(0, 8)], [0x93, ...Buffer.from('NUMPY'), 1, 0]);
  const headLen = buf.readUInt16LE(8);
  const header = buf.subarray(10, 10 + headLen).toString('latin1');
  assert.equal((10 + headLen) % 64, 0);
  assert.match(header, /^\{'descr': '<i4', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/);
  assert.deepEqual([...new Int32Array(buf.buffer.slice(buf.byteOffset + 10 + headLen, buf.byteOffset + buf.byteLength))], [1, 2, 3, 4, 5, 6]);
}));

test('files in NumPy\'s format 1.0 and 2.0 written by hand are read', () => tidy(() => {
  const v1 = join(dir, 'hand1.npy');
  writeFileSync(v1, npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }\n", Buffer.from(new Float64Array([0.5, -1, 1e300]).buffer)));
  const a = loadNpy(v1);
  assert.equal(a.dtype, 'float64');
  assert.deepEqual(a.toFlatArray(), [0.5, -1, 1e300]);
  const v2 = join(dir, 'hand2.npy');
  writeFileSync(v2, npyFile(2, "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 1), }\n", Buffer.from([7, 200])));
  const b = loadNpy(v2);
  assert.deepEqual([b.dtype, b.shape, b.toFlatArray()], ['uint8', [2, 1], [7, 200]]);
}));

test('unsupported dtypes and layouts are refused with the reason', () => tidy(() => {
  assert.throws(() => saveNpy(join(dir, 'half.npy'), randn([2]).to({ dtype: 'float16' })), /saveNpy: dtype float16 has no \.npy equivalent/);
  const big = join(dir, 'big-endian.npy');
  writeFileSync(big, npyFile(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }\n", Buffer.alloc(4)));
  assert.throws(() => loadNpy(big), /big-endian\.npy: dtype '>f4' is not supported/);
  const fortran = join(dir, 'fortran.npy');
  writeFileSync(fortran, npyFile(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }\n", Buffer.alloc(4)));
  assert.throws(() => loadNpy(fortran), /Fortran-order arrays are not supported/);
  const noMagic = join(dir, 'no-magic.npy');
  writeFileSync(noMagic, 'just some text, not an array');
  assert.throws(() => loadNpy(noMagic), /missing the \\x93NUMPY magic/);
}));
