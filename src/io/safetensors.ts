/**
 * safetensors (the format of Hugging Face and PyTorch checkpoints): an 8-byte little-endian
 * header length, a JSON header {name: {dtype, shape, data_offsets}, __metadata__: {str: str}},
 * then the raw little-endian tensor bytes. Files written here open with Python's `safetensors`.
 * No npm package for the format is maintained, so this small reader/writer is our own.
 */
import { N } from '../engine/native.js';
import { Tensor, type DType } from '../engine/index.js';
import { writeFileAtomic } from './atomic.js';
import { isCount, isRecord } from './json.js';
import { readFileNamed } from './read.js';

const CODES: Record<DType, string> = {
  float32: 'F32', float64: 'F64', int64: 'I64', int32: 'I32', uint8: 'U8', bool: 'BOOL', float16: 'F16', bfloat16: 'BF16',
};
const SIZES: Record<string, number> = { F32: 4, F64: 8, I64: 8, I32: 4, U8: 1, BOOL: 1, F16: 2, BF16: 2 };
const DTYPES = Object.fromEntries(Object.entries(CODES).map(([k, v]) => [v, k])) as Record<string, DType>;

/** Writes tensors (moved to CPU) and string metadata atomically. */
export function saveSafetensors(path: string, tensors: Map<string, Tensor>, metadata: Record<string, string> = {}): void {
  const header: Record<string, unknown> = { __metadata__: metadata };
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    const bytes = new Uint8Array(N.toBuffer(t.id));
    header[name] = { dtype: CODES[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes.byteLength] };
    blobs.push(bytes);
    offset += bytes.byteLength;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  // Pad with spaces to a multiple of 8 bytes (bytes, not UTF-16 units: metadata may be non-ASCII).
  const head = Buffer.concat([json, Buffer.alloc((8 - (json.byteLength % 8)) % 8, ' ')]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(head.byteLength));
  writeFileAtomic(path, [len, head, ...blobs]);
}

/** Reads a safetensors file; every inconsistency is an error that names the file and the problem. */
export function loadSafetensors(path: string): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const buf = readFileNamed(path, 'safetensors file');
  const bad = (why: string) => new Error(`corrupt safetensors file ${path}: ${why}`);
  if (buf.byteLength < 8) throw bad(`only ${buf.byteLength} bytes, too short for a header`);
  const headLen = Number(buf.readBigUInt64LE(0));
  if (headLen > buf.byteLength - 8) throw bad(`header claims ${headLen} bytes but the file has ${buf.byteLength - 8} after it (truncated?)`);
  let header: unknown;
  try {
    header = JSON.parse(buf.subarray(8, 8 + headLen).toString('utf8'));
  } catch {
    throw bad('header is not valid JSON');
  }
  if (!isRecord(header)) throw bad('header is not a JSON object');
  const metadata = header.__metadata__ ?? {};
  if (!isRecord(metadata) || Object.values(metadata).some((v) => typeof v !== 'string')) {
    throw bad('__metadata__ is not an object of strings');
  }
  const data = buf.subarray(8 + headLen);
  const tensors = new Map<string, Tensor>();
  try {
    for (const [name, info] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const entry = checkEntry(info, data.byteLength);
      if (typeof entry === 'string') throw bad(`entry '${name}' ${entry}`);
      const bytes = new Uint8Array(data.buffer.slice(data.byteOffset + entry.start, data.byteOffset + entry.end));
      if (entry.dtype === 'bool' && bytes.some((b) => b > 1)) throw bad(`entry '${name}' holds bool bytes other than 0 and 1`);
      tensors.set(name, new Tensor(N.fromBuffer(bytes, entry.shape, entry.dtype, 'cpu')));
    }
  } catch (e) {
    for (const t of tensors.values()) t.dispose();
    throw e;
  }
  return { tensors, metadata: metadata as Record<string, string> };
}

/** A header entry's dtype, shape and byte range, or what is wrong with it. */
function checkEntry(info: unknown, dataBytes: number): { dtype: DType; shape: number[]; start: number; end: number } | string {
  if (!isRecord(info)) return 'is not an object';
  const { dtype, shape, data_offsets: off } = info;
  const dt = typeof dtype === 'string' && Object.hasOwn(DTYPES, dtype) ? DTYPES[dtype]! : null;
  if (!dt) return `has an unknown dtype ${JSON.stringify(dtype)}`;
  if (!Array.isArray(shape) || !shape.every(isCount)) return `has a bad shape ${JSON.stringify(shape)}`;
  const [start, end] = Array.isArray(off) && off.length === 2 && off.every(isCount) ? off as [number, number] : [NaN, NaN];
  if (!(start <= end)) return `has bad data_offsets ${JSON.stringify(off)}`;
  const want = shape.reduce((a: number, b: number) => a * b, 1) * SIZES[dtype as string]!;
  if (end - start !== want) return `has ${end - start} bytes for shape [${shape}] ${dtype}`;
  if (end > dataBytes) return `ends at byte ${end} but the data has ${dataBytes} (truncated?)`;
  return { dtype: dt, shape, start, end };
}
