/**
 * NumPy .npy (format version 1.0/2.0) read and write, for arrays exchanged with Python tools.
 * Little-endian C-order arrays of float32/float64/int64/int32/uint8/bool.
 */
import { constants } from 'node:buffer';
import { N } from '../engine/native.js';
import { Tensor, type DType } from '../engine/index.js';
import { writeFileAtomic } from './atomic.js';
import { closeFile, openFile, readAt, type OpenFile } from './read.js';
import { ITEM_BYTES, tensorBytes } from './tensor-bytes.js';

const DESCR: Partial<Record<DType, string>> = {
  float32: '<f4', float64: '<f8', int64: '<i8', int32: '<i4', uint8: '|u1', bool: '|b1',
};
const FROM_DESCR = Object.fromEntries(Object.entries(DESCR).map(([k, v]) => [v, k])) as Record<string, DType>;
const MAGIC = Buffer.from([0x93, ...Buffer.from('NUMPY')]);

/** Writes `t` (any device) to `path` atomically. */
export function saveNpy(path: string, t: Tensor): void {
  saveNpyRows(path, t.dtype, t.shape, [t]);
}

/**
 * Writes an array of `dtype` and `shape` to `path` atomically, its rows coming part by part
 * from `parts` (each [rows, …shape[1:]], in order): the header first, then each part's bytes as
 * it comes, so memory holds one part at a time. Unless the parts fit the header, it throws and
 * `path` stays as it was.
 */
export function saveNpyRows(path: string, dtype: DType, shape: readonly number[], parts: Iterable<Tensor>): void {
  const descr = DESCR[dtype];
  if (!descr) throw new Error(`saveNpy: dtype ${dtype} has no .npy equivalent here; convert to float32 first`);
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  const total = MAGIC.length + 2 + 2 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const len = Buffer.alloc(2);
  len.writeUInt16LE(header.length);
  function* chunks(): Generator<Uint8Array> {
    yield* [MAGIC, Buffer.from([1, 0]), len, Buffer.from(header, 'latin1')];
    const want = shape[0] ?? 1; // a 0-d array is one row
    let rows = 0;
    for (const t of parts) {
      rows += t.ndim ? t.size(0) : 1;
      if (t.dtype !== dtype || t.ndim !== shape.length || t.shape.some((d, i) => i > 0 && d !== shape[i]) || rows > want) {
        throw new Error(`a part [${t.shape}] ${t.dtype} does not fit the array [${shape}] ${dtype}`);
      }
      yield* tensorBytes(t);
    }
    if (rows !== want) throw new Error(`the parts hold ${rows} rows of the ${want} the header gives`);
  }
  writeFileAtomic(path, chunks());
}

/** Reads a .npy file into a CPU tensor, by byte range (header, then data), so files past 2 GiB load. */
export function loadNpy(path: string): Tensor {
  const f = openFile(path, 'npy file');
  try {
    return readNpy(f);
  } finally {
    closeFile(f);
  }
}

/** `loadNpy` on an open file. */
function readNpy(f: OpenFile): Tensor {
  const bad = (why: string) => new Error(`bad .npy file ${f.path}: ${why}`);
  const pre = readAt(f, 0, Math.min(f.size, 12));
  if (pre.byteLength < 10 || !pre.subarray(0, 6).equals(MAGIC)) throw bad('missing the \\x93NUMPY magic');
  const major = pre[6]!;
  if (major < 1 || major > 3) throw bad(`format version ${major} is not supported (1, 2 or 3)`);
  const lenBytes = major === 1 ? 2 : 4;
  if (pre.byteLength < 8 + lenBytes) throw bad('truncated header');
  const headLen = major === 1 ? pre.readUInt16LE(8) : pre.readUInt32LE(8);
  const start = 8 + lenBytes + headLen;
  if (start > f.size) throw bad(`header claims ${headLen} bytes but the file ends first (truncated?)`);
  const header = readAt(f, 8 + lenBytes, headLen).toString(major === 3 ? 'utf8' : 'latin1');
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
  const want = shape.reduce((a, b) => a * b, 1) * ITEM_BYTES[dtype];
  const found = f.size - start;
  if (found !== want) throw bad(`shape (${shape}) of ${descr} needs ${want} data bytes, found ${found} (truncated?)`);
  if (want > constants.MAX_LENGTH) throw bad(`its ${want} data bytes are more than the ${constants.MAX_LENGTH} one read can hold`);
  const bytes = readAt(f, start, want);
  if (dtype === 'bool' && bytes.some((b) => b > 1)) throw bad('bool data holds bytes other than 0 and 1');
  return new Tensor(N.fromBuffer(bytes, shape, dtype, 'cpu'));
}
