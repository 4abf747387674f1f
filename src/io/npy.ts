/**
 * NumPy .npy (format version 1.0/2.0) read and write, for arrays exchanged with Python tools.
 * Little-endian C-order arrays of float32/float64/int64/int32/uint8/bool.
 */
import { N } from '../engine/native.js';
import { Tensor, type DType } from '../engine/index.js';
import { writeFileAtomic } from './atomic.js';
import { readFileNamed } from './read.js';

const DESCR: Partial<Record<DType, string>> = {
  float32: '<f4', float64: '<f8', int64: '<i8', int32: '<i4', uint8: '|u1', bool: '|b1',
};
const FROM_DESCR = Object.fromEntries(Object.entries(DESCR).map(([k, v]) => [v, k])) as Record<string, DType>;
const ITEM_SIZE: Partial<Record<DType, number>> = { float32: 4, float64: 8, int64: 8, int32: 4, uint8: 1, bool: 1 };
const MAGIC = Buffer.from([0x93, ...Buffer.from('NUMPY')]);

/** Writes `t` (any device) to `path` atomically. */
export function saveNpy(path: string, t: Tensor): void {
  const descr = DESCR[t.dtype];
  if (!descr) throw new Error(`saveNpy: dtype ${t.dtype} has no .npy equivalent here; convert to float32 first`);
  const shape = t.shape;
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  const total = MAGIC.length + 2 + 2 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const len = Buffer.alloc(2);
  len.writeUInt16LE(header.length);
  writeFileAtomic(path, [MAGIC, Buffer.from([1, 0]), len, Buffer.from(header, 'latin1'), new Uint8Array(N.toBuffer(t.id))]);
}

/** Reads a .npy file into a CPU tensor. */
export function loadNpy(path: string): Tensor {
  const buf = readFileNamed(path, 'npy file');
  const bad = (why: string) => new Error(`bad .npy file ${path}: ${why}`);
  if (buf.byteLength < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw bad('missing the \\x93NUMPY magic');
  const major = buf[6]!;
  if (major < 1 || major > 3) throw bad(`format version ${major} is not supported (1, 2 or 3)`);
  const lenBytes = major === 1 ? 2 : 4;
  if (buf.byteLength < 8 + lenBytes) throw bad('truncated header');
  const headLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = 8 + lenBytes + headLen;
  if (start > buf.byteLength) throw bad(`header claims ${headLen} bytes but the file ends first (truncated?)`);
  const header = buf.subarray(8 + lenBytes, start).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeStr = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeStr === undefined) throw bad(`unreadable header ${JSON.stringify(header.trim())}`);
  if (fortran === 'True') throw bad('Fortran-order arrays are not supported');
  const dtype = Object.hasOwn(FROM_DESCR, descr) ? FROM_DESCR[descr] : undefined;
  if (!dtype) throw bad(`dtype '${descr}' is not supported (use little-endian f4/f8/i8/i4/u1/b1)`);
  const dims = shapeStr.split(',').map((s) => s.trim()).filter(Boolean);
  if (!dims.every((d) => /^\d{1,15}$/.test(d))) throw bad(`shape (${shapeStr}) is not a tuple of non-negative integers`);
  const shape = dims.map(Number);
  const bytes = new Uint8Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.byteLength));
  const want = shape.reduce((a, b) => a * b, 1) * ITEM_SIZE[dtype]!;
  if (bytes.byteLength !== want) throw bad(`shape (${shape}) of ${descr} needs ${want} data bytes, found ${bytes.byteLength} (truncated?)`);
  if (dtype === 'bool' && bytes.some((b) => b > 1)) throw bad('bool data holds bytes other than 0 and 1');
  return new Tensor(N.fromBuffer(bytes, shape, dtype, 'cpu'));
}
