/**
 * safetensors (the format of Hugging Face and PyTorch checkpoints): an 8-byte little-endian
 * header length, a JSON header {name: {dtype, shape, data_offsets}, __metadata__: {str: str}},
 * then the raw little-endian tensor bytes. Files written here open with Python's `safetensors`.
 * No npm package for the format is maintained, so this small reader/writer is our own.
 */
import { constants } from 'node:buffer';
import { N } from '../engine/native.js';
import { Tensor, type DType } from '../engine/index.js';
import { writeFileAtomic } from './atomic.js';
import { isCount, isRecord } from './json.js';
import { closeFile, openFile, readAt, type OpenFile } from './read.js';
import { ITEM_BYTES, tensorBytes } from './tensor-bytes.js';

const CODES: Record<DType, string> = {
  float32: 'F32', float64: 'F64', int64: 'I64', int32: 'I32', uint8: 'U8', bool: 'BOOL', float16: 'F16', bfloat16: 'BF16',
};
const DTYPES = Object.fromEntries(Object.entries(CODES).map(([k, v]) => [v, k])) as Record<string, DType>;
/** The largest header read, as in the reference `safetensors` library: a bigger one is corrupt. */
const MAX_HEADER = 100_000_000;
/** The largest Buffer Node allocates: the bound on one tensor's bytes. */
const MAX_LENGTH = constants.MAX_LENGTH;

/** Writes tensors (moved to CPU) and string metadata atomically, streaming the tensors' bytes in small pieces. */
export function saveSafetensors(path: string, tensors: Map<string, Tensor>, metadata: Record<string, string> = {}): void {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    const nbytes = t.shape.reduce((a, b) => a * b, 1) * ITEM_BYTES[t.dtype];
    header[name] = { dtype: CODES[t.dtype], shape: t.shape, data_offsets: [offset, offset + nbytes] };
    offset += nbytes;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  // Pad with spaces to a multiple of 8 bytes (bytes, not UTF-16 units: metadata may be non-ASCII).
  const head = Buffer.concat([json, Buffer.alloc((8 - (json.byteLength % 8)) % 8, ' ')]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(head.byteLength));
  function* chunks(): Generator<Uint8Array> {
    yield len;
    yield head;
    for (const t of tensors.values()) yield* tensorBytes(t);
  }
  writeFileAtomic(path, chunks());
}

/**
 * Reads a safetensors file, or only the tensors named in `only`; every inconsistency is an error
 * that names the file and the problem. Tensors are read one at a time by byte range, so files
 * past 2 GiB load and memory peaks at the result plus the largest tensor read.
 */
export function loadSafetensors(path: string, only?: readonly string[]): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const f = openFile(path, 'safetensors file');
  try {
    return readTensors(f, only);
  } finally {
    closeFile(f);
  }
}

/** `loadSafetensors` on an open file. */
function readTensors(f: OpenFile, only?: readonly string[]): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const bad = (why: string) => new Error(`corrupt safetensors file ${f.path}: ${why}`);
  if (f.size < 8) throw bad(`only ${f.size} bytes, too short for a header`);
  const headLen = Number(readAt(f, 0, 8).readBigUInt64LE(0));
  if (headLen > f.size - 8) throw bad(`header claims ${headLen} bytes but the file has ${f.size - 8} after it (truncated?)`);
  if (headLen > MAX_HEADER) throw bad(`header claims ${headLen} bytes, more than the ${MAX_HEADER} a header may have`);
  let header: unknown;
  try {
    header = JSON.parse(readAt(f, 8, headLen).toString('utf8'));
  } catch {
    throw bad('header is not valid JSON');
  }
  if (!isRecord(header)) throw bad('header is not a JSON object');
  const metadata = header.__metadata__ ?? {};
  if (!isRecord(metadata) || Object.values(metadata).some((v) => typeof v !== 'string')) {
    throw bad('__metadata__ is not an object of strings');
  }
  const dataStart = 8 + headLen;
  const entries = new Map<string, Entry>();
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const entry = checkEntry(info, f.size - dataStart);
    if (typeof entry === 'string') throw bad(`entry '${name}' ${entry}`);
    entries.set(name, entry);
  }
  const missing = (only ?? []).filter((name) => !entries.has(name));
  if (missing.length) throw new Error(`safetensors file ${f.path} has no tensor ${missing.map((n) => `'${n}'`).join(', ')}`);
  const wanted = [...entries].filter(([name]) => !only || only.includes(name));
  const largest = wanted.reduce((m, [, e]) => Math.max(m, e.end - e.start), 0);
  if (largest > MAX_LENGTH) throw bad(`a tensor of ${largest} bytes is more than the ${MAX_LENGTH} one read can hold`);
  const scratch = Buffer.allocUnsafe(largest);
  const tensors = new Map<string, Tensor>();
  try {
    for (const [name, entry] of wanted) {
      const bytes = readAt(f, dataStart + entry.start, entry.end - entry.start, scratch);
      if (entry.dtype === 'bool' && bytes.some((b) => b > 1)) throw bad(`entry '${name}' holds bool bytes other than 0 and 1`);
      tensors.set(name, new Tensor(N.fromBuffer(bytes, entry.shape, entry.dtype, 'cpu')));
    }
  } catch (e) {
    for (const t of tensors.values()) t.dispose();
    throw e;
  }
  return { tensors, metadata: metadata as Record<string, string> };
}

/** A header entry: dtype, shape and byte range within the data. */
interface Entry {
  dtype: DType;
  shape: number[];
  start: number;
  end: number;
}

/** A header entry's dtype, shape and byte range, or what is wrong with it. */
function checkEntry(info: unknown, dataBytes: number): Entry | string {
  if (!isRecord(info)) return 'is not an object';
  const { dtype, shape, data_offsets: off } = info;
  const dt = typeof dtype === 'string' && Object.hasOwn(DTYPES, dtype) ? DTYPES[dtype]! : null;
  if (!dt) return `has an unknown dtype ${JSON.stringify(dtype)}`;
  if (!Array.isArray(shape) || !shape.every(isCount)) return `has a bad shape ${JSON.stringify(shape)}`;
  const [start, end] = Array.isArray(off) && off.length === 2 && off.every(isCount) ? off as [number, number] : [NaN, NaN];
  if (!(start <= end)) return `has bad data_offsets ${JSON.stringify(off)}`;
  const want = shape.reduce((a: number, b: number) => a * b, 1) * ITEM_BYTES[dt];
  if (end - start !== want) return `has ${end - start} bytes for shape [${shape}] ${dtype}`;
  if (end > dataBytes) return `ends at byte ${end} but the data has ${dataBytes} (truncated?)`;
  return { dtype: dt, shape, start, end };
}
