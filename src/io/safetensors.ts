/**
 * safetensors (the format of Hugging Face and PyTorch checkpoints): an 8-byte little-endian
 * header length, a JSON header {name: {dtype, shape, data_offsets}, __metadata__: {str: str}},
 * then the raw little-endian tensor bytes. Files written here open with Python's `safetensors`.
 * No npm package for the format is maintained, so this small reader/writer is our own.
 */
import { existsSync, readFileSync } from 'node:fs';
import { N } from '../engine/native.js';
import { Tensor, type DType } from '../engine/index.js';
import { writeFileAtomic } from './atomic.js';

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
  if (!existsSync(path)) throw new Error(`safetensors file not found: ${path}`);
  const buf = readFileSync(path);
  const bad = (why: string) => new Error(`corrupt safetensors file ${path}: ${why}`);
  if (buf.byteLength < 8) throw bad(`only ${buf.byteLength} bytes, too short for a header`);
  const headLen = Number(buf.readBigUInt64LE(0));
  if (headLen > buf.byteLength - 8) throw bad(`header claims ${headLen} bytes but the file has ${buf.byteLength - 8} after it (truncated?)`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + headLen).toString('utf8'));
  } catch {
    throw bad('header is not valid JSON');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw bad('header is not a JSON object');
  const data = buf.subarray(8 + headLen);
  const tensors = new Map<string, Tensor>();
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  try {
    for (const [name, info] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const { dtype, shape, data_offsets: off } = info as { dtype: string; shape: number[]; data_offsets: [number, number] };
      const dt = DTYPES[dtype];
      if (!dt || !Array.isArray(shape) || !Array.isArray(off)) throw bad(`entry '${name}' has a bad dtype/shape/offsets`);
      const n = shape.reduce((a, b) => a * b, 1);
      if (off[1] - off[0] !== n * SIZES[dtype]!) throw bad(`entry '${name}' has ${off[1] - off[0]} bytes for shape [${shape}] ${dtype}`);
      if (off[1] > data.byteLength) throw bad(`entry '${name}' ends at byte ${off[1]} but the data has ${data.byteLength} (truncated?)`);
      const bytes = new Uint8Array(data.buffer.slice(data.byteOffset + off[0], data.byteOffset + off[1]));
      tensors.set(name, new Tensor(N.fromBuffer(bytes, shape, dt, 'cpu')));
    }
  } catch (e) {
    for (const t of tensors.values()) t.dispose();
    throw e;
  }
  return { tensors, metadata };
}
