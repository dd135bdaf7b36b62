/**
 * A model's weights in the safetensors format, the weight file PyTorch, Hugging Face and most other
 * frameworks read:
 *
 *   [8 bytes]  N, the header's length in bytes, an unsigned 64-bit little-endian integer
 *   [N bytes]  the header: UTF-8 JSON, {name: {dtype, shape, data_offsets: [begin, end]}, …} and an
 *              optional "__metadata__" object of strings; padded with spaces to a multiple of 8
 *   [rest]     the tensors' bytes, little-endian, row-major; each tensor's [begin, end) counts from
 *              the first byte after the header, and together they cover the rest exactly
 *
 * Tensor names are the model's dotted names (namedParameters, then namedBuffers), so the file of a
 * model loads into any model of the same architecture, and into a PyTorch model whose state dict
 * has the same names and layouts (docs/nn.md, "Moving to PyTorch or ONNX Runtime").
 */
import { assign, ShapeError, Tensor, ValueError, formatShape, requireChoice, sameShape } from '@adjoint/core';
import { Module, describe, type AnyModule } from '../module';
import { knownOptions, orDefault } from '../args';
import { checkJsonText } from './limits';
import { capMessage, elide, kind, preview, quoteName, quoteNames } from './messages';

/** The element types {@link toSafetensors} writes. */
export type SafetensorsDtype = 'F64' | 'F32';

/** Options of {@link toSafetensors}. */
export interface ToSafetensorsOptions {
  /** 'F64' (the default: the weights exactly) or 'F32' (each rounded to the nearest float32). */
  dtype?: SafetensorsDtype;
  /** Strings to store in the header's `__metadata__` (none by default). */
  metadata?: Record<string, string>;
}

/** Bytes per element of each floating-point dtype fromSafetensors reads. */
const READABLE: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2 };
/** Every other dtype of the format, with its size: known, but not loadable into float64 weights. */
const OTHER_DTYPES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, F8_E8M0: 1, I16: 2, U16: 2, I32: 4, U32: 4, I64: 8, U64: 8, C64: 8,
};
/** The longest header the reference implementation accepts (100 MB); longer ones are refused unread. */
const MAX_HEADER_BYTES = 100_000_000;
/** A header is flat: the top object, a tensor's entry, its shape or offsets (or the metadata). */
const HEADER_LIMITS = { maxDepth: 3, maxItems: 1_000_000 };
const METADATA = '__metadata__';

/**
 * The model's parameters and buffers as a safetensors file: names from `namedParameters()` and
 * `namedBuffers()`, in the order the reference implementation writes (by name), F64 unless
 * `{dtype: 'F32'}`. A tensor shared by several modules is written once, under its first name.
 * Works anywhere, a browser included; write the bytes with `fs.writeFileSync(path, bytes)`.
 * @throws ValueError when a weight is NaN or ±Infinity (or too large for float32 with 'F32'),
 * naming it and the element; for an unknown dtype or option, or metadata that is not strings.
 *
 * @example
 * writeFileSync('model.safetensors', toSafetensors(model));
 * fromSafetensors(sameArchitecture, readFileSync('model.safetensors'));
 */
export function toSafetensors(model: AnyModule, options: ToSafetensorsOptions = {}): Uint8Array {
  const op = 'toSafetensors';
  if (!(model instanceof Module)) throw new ValueError(`${op}: model must be a Module, got ${describe(model)}`);
  const { dtype: chosen, metadata } = knownOptions(op, options, ['dtype', 'metadata']);
  const dtype = requireChoice(op, 'dtype', orDefault(chosen, 'F64'), ['F64', 'F32']);
  const width = READABLE[dtype]!;
  const entries = stateTensors(model).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // As the reference writes it: metadata first, then the tensors, in serde_json's compact form.
  const header: Array<[string, unknown]> = [];
  if (metadata !== undefined) header.push([METADATA, checkMetadata(`${op}: metadata`, metadata)]);
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === METADATA) throw new ValueError(`${op}: the model has a tensor named '${METADATA}', the name the format keeps for its metadata`);
    checkWritable(op, name, t, dtype);
    header.push([name, { dtype, shape: [...t.shape], data_offsets: [offset, offset + t.size * width] }]);
    offset += t.size * width;
  }
  const json = new TextEncoder().encode(`{${header.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(',')}}`);
  const padded = Math.ceil(json.length / 8) * 8;
  const bytes = new Uint8Array(8 + padded + offset);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(padded), true);
  bytes.set(json, 8);
  bytes.fill(0x20, 8 + json.length, 8 + padded);
  let at = 8 + padded;
  for (const [, t] of entries) {
    const data = t.data;
    if (dtype === 'F64') for (let i = 0; i < data.length; i++, at += 8) view.setFloat64(at, data[i]!, true);
    else for (let i = 0; i < data.length; i++, at += 4) view.setFloat32(at, data[i]!, true);
  }
  return bytes;
}

/**
 * Loads a safetensors file's tensors into `model`'s parameters and buffers, in place (optimizers
 * holding the parameters keep working), and returns the model. F64, F32, F16 and BF16 tensors load
 * (each value exactly: float64 holds them all). The file is untrusted input, and everything is
 * checked before anything is written, so a failed load leaves the model unchanged: the header's
 * length and JSON, each entry's dtype, shape and offsets (inside the file, in order, neither
 * overlapping nor leaving gaps), that the names are exactly the model's, that each shape is the
 * model's, and that every value is finite. Sizes are checked before anything is allocated.
 * @throws ValueError naming the tensor for anything wrong with the file, missing or unexpected names.
 * @throws ShapeError naming the tensor and both shapes when a shape differs from the model's.
 *
 * @example
 * const model = mlp([4, 16, 3], { seed: 0 });
 * fromSafetensors(model, readFileSync('iris.safetensors'));
 */
export function fromSafetensors<M extends AnyModule>(model: M, bytes: Uint8Array | ArrayBuffer): M {
  const op = 'fromSafetensors';
  if (!(model instanceof Module)) throw new ValueError(`${op}: model must be a Module, got ${describe(model)}`);
  if (bytes instanceof ArrayBuffer) bytes = new Uint8Array(bytes);
  if (!(bytes instanceof Uint8Array)) throw new ValueError(`${op}: bytes must be a Uint8Array (a file's contents) or an ArrayBuffer, got ${describe(bytes)}`);
  const file = readHeader(op, bytes);
  const targets = new Map(stateTensors(model));
  const missing = [...targets.keys()].filter((name) => !file.tensors.has(name));
  const unexpected = [...file.tensors.keys()].filter((name) => !targets.has(name));
  if (missing.length > 0) throw new ValueError(capMessage(`${op}: the file lacks ${quoteNames(missing)}, which the model has${unexpected.length > 0 ? `; it has ${quoteNames(unexpected)}, which the model lacks` : ''}`));
  if (unexpected.length > 0) throw new ValueError(capMessage(`${op}: the file has ${quoteNames(unexpected)}, which the model lacks`));
  for (const [name, target] of targets) {
    const entry = file.tensors.get(name)!;
    if (!sameShape(entry.shape, target.shape)) {
      const transposed = entry.shape.length === 2 && target.rank === 2 && entry.shape[0] === target.shape[1] && entry.shape[1] === target.shape[0];
      const hint = transposed ? ' (its transpose: a PyTorch Linear weight is [out, in], a Dense weight [in, out]; transpose it before saving)' : '';
      throw new ShapeError(capMessage(`${op}: tensor ${quoteName(name)} has shape ${formatShape(entry.shape)} in the file but the model expects ${formatShape(target.shape)}${hint}`));
    }
    if (!target.isLeaf) throw new ValueError(`${op}: the model's ${quoteName(name)} was computed by an op, so it cannot be written in place`);
  }
  // Every check passed: decode (sizes are the model's own now), check values, then write them all.
  const values = new Map<Tensor, Float64Array>();
  for (const [name, target] of targets) values.set(target, decode(op, name, file.tensors.get(name)!, bytes, file.dataStart));
  // assign counts each write, so a backward through a graph that recorded the old values is a GradError.
  for (const [target, data] of values) assign(target, data);
  return model;
}

/** A tensor's entry in the header, checked. */
interface Entry {
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/** The parsed, checked header: the entries by name and where the data starts in the file. */
function readHeader(op: string, bytes: Uint8Array): { tensors: Map<string, Entry>; dataStart: number } {
  if (bytes.length < 8) throw new ValueError(`${op}: ${bytes.length} bytes are too few for a safetensors file, which starts with an 8-byte header length`);
  const declared = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  const available = bytes.length - 8;
  if (declared > BigInt(available)) {
    throw new ValueError(`${op}: the header length is ${declared} bytes, more than the ${available} that follow it (truncated, or not a safetensors file)`);
  }
  const length = Number(declared);
  if (length > MAX_HEADER_BYTES) throw new ValueError(`${op}: the header length is ${length} bytes, more than the ${MAX_HEADER_BYTES} a safetensors header may have`);
  if (length < 2) throw new ValueError(`${op}: the header length is ${length} bytes, too short for a JSON object (not a safetensors file?)`);
  const headerBytes = bytes.subarray(8, 8 + length);
  checkJsonText(`${op}: the header`, headerBytes, HEADER_LIMITS);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (e) {
    throw new ValueError(`${op}: the header is not valid UTF-8 JSON (truncated, or not a safetensors file?): ${elide(String((e as Error)?.message ?? e), 200)}`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new ValueError(`${op}: the header must be a JSON object of tensors, got ${kind(header)}`);
  const tensors = new Map<string, Entry>();
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA) checkMetadata(`${op}: the header's ${METADATA}`, value);
    else tensors.set(name, checkEntry(op, name, value));
  }
  checkLayout(op, tensors, available - length);
  return { tensors, dataStart: 8 + length };
}

/** One tensor's header entry: a known dtype, a shape of sizes, and offsets that hold exactly its bytes. */
function checkEntry(op: string, name: string, value: unknown): Entry {
  const where = `${op}: tensor ${quoteName(name)}`;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ValueError(`${where}: expected {dtype, shape, data_offsets}, got ${kind(value)}`);
  const field = (key: string): unknown => (Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined);
  const dtype = field('dtype');
  const shape = field('shape');
  const offsets = field('data_offsets');
  if (typeof dtype !== 'string') throw new ValueError(`${where}: dtype must be a string, got ${kind(dtype)}`);
  const width = READABLE[dtype] ?? (Object.hasOwn(OTHER_DTYPES, dtype) ? OTHER_DTYPES[dtype] : undefined);
  if (width === undefined) throw new ValueError(`${where}: unknown dtype ${preview(dtype)}; safetensors dtypes are ${[...Object.keys(READABLE), ...Object.keys(OTHER_DTYPES)].join(', ')}`);
  if (!Array.isArray(shape) || !shape.every(isSize)) throw new ValueError(`${where}: shape must be a list of whole numbers ≥ 0, got ${preview(shape)}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isSize)) {
    throw new ValueError(`${where}: data_offsets must be [begin, end], two whole numbers ≥ 0, got ${preview(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw new ValueError(`${where}: data_offsets [${begin}, ${end}] end before they begin`);
  let size = 1;
  for (const d of shape as number[]) size *= d; // exact while ≤ 2⁵³; compared with a byte count that is
  if (size * width !== end - begin) {
    throw new ValueError(`${where}: shape ${formatShape(shape as number[])} of ${dtype} needs ${size * width} bytes, but data_offsets [${begin}, ${end}] hold ${end - begin}`);
  }
  return { dtype, shape: shape as number[], begin, end };
}

/** Whether a header number is a size or an offset: a whole number from 0 to 2⁵³ − 1. */
function isSize(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * The tensors' byte ranges, in order, must tile the data exactly: each starts where the previous
 * ended, and the last ends at the end of the file (the format leaves no gaps and no trailing bytes).
 */
function checkLayout(op: string, tensors: ReadonlyMap<string, Entry>, dataLength: number): void {
  const ranges = [...tensors].sort(([, a], [, b]) => a.begin - b.begin || a.end - b.end);
  // Out of bounds and overlaps first: either makes the file unreadable, whatever else is wrong.
  ranges.forEach(([name, { begin, end }], i) => {
    if (end > dataLength) {
      throw new ValueError(`${op}: tensor ${quoteName(name)} has data_offsets [${begin}, ${end}], past the end of the ${dataLength} data bytes (truncated file?)`);
    }
    const previous = ranges[i - 1];
    if (previous !== undefined && begin < previous[1].end) {
      throw new ValueError(`${op}: tensors ${quoteName(previous[0])} and ${quoteName(name)} overlap (their data ends at ${previous[1].end} and begins at ${begin})`);
    }
  });
  let at = 0;
  for (const [name, { begin, end }] of ranges) {
    if (begin > at) throw new ValueError(`${op}: bytes ${at} to ${begin} of the data belong to no tensor (a gap before ${quoteName(name)})`);
    at = end;
  }
  if (at !== dataLength) throw new ValueError(`${op}: the tensors' data ends at byte ${at}, but the file has ${dataLength} data bytes (${dataLength - at} left over)`);
}

/** The `__metadata__` object: strings by key. `where` names it ("toSafetensors: metadata"). */
function checkMetadata(where: string, metadata: unknown): Record<string, string> {
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) throw new ValueError(`${where} must be an object of strings, got ${kind(metadata)}`);
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') throw new ValueError(`${where}: ${quoteName(key)} must be a string, got ${kind(value)}`);
  }
  return metadata as Record<string, string>;
}

/** The parameters, then the buffers, by dotted name: the tensors a file holds. */
function stateTensors(model: AnyModule): Array<[string, Tensor]> {
  return [...model.namedParameters(), ...model.namedBuffers()];
}

/** @throws ValueError unless every value of `t` is finite, in float32 too for F32. */
function checkWritable(op: string, name: string, t: Tensor, dtype: SafetensorsDtype): void {
  const data = t.data;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) throw new ValueError(`${op}: ${quoteName(name)} holds ${v} at element ${i}; only finite weights are written`);
    if (dtype === 'F32' && !Number.isFinite(Math.fround(v))) throw new ValueError(`${op}: ${quoteName(name)} holds ${v} at element ${i}, beyond float32's range; write F64`);
  }
}

/** The tensor's values from the file, as float64. @throws ValueError for a non-float dtype or a value that is not finite. */
function decode(op: string, name: string, entry: Entry, bytes: Uint8Array, dataStart: number): Float64Array {
  if (!Object.hasOwn(READABLE, entry.dtype)) {
    throw new ValueError(`${op}: tensor ${quoteName(name)} has dtype ${entry.dtype}; the model's weights are floating point: F64, F32, F16 or BF16`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + dataStart + entry.begin, entry.end - entry.begin);
  const out = new Float64Array((entry.end - entry.begin) / READABLE[entry.dtype]!);
  for (let i = 0; i < out.length; i++) {
    const v = entry.dtype === 'F64' ? view.getFloat64(i * 8, true)
      : entry.dtype === 'F32' ? view.getFloat32(i * 4, true)
        : entry.dtype === 'F16' ? half(view.getUint16(i * 2, true))
          : bfloat16(view.getUint16(i * 2, true));
    if (!Number.isFinite(v)) throw new ValueError(`${op}: tensor ${quoteName(name)} holds ${v} at element ${i}; weights must be finite`);
    out[i] = v;
  }
  return out;
}

/** An IEEE half-precision value from its 16 bits. */
function half(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // subnormal (or zero)
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** A bfloat16 value from its 16 bits: the top half of a float32. */
function bfloat16(bits: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, bits << 16, false);
  return view.getFloat32(0, false);
}
