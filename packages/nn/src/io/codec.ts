/**
 * Tensors as JSON values that decode to the very same float64 values.
 *
 * 'base64' (the default) stores the IEEE-754 bytes, little-endian, so every value — the sign of
 * zero included — comes back bit for bit. 'numbers' stores a JSON array: JavaScript prints each
 * double as the shortest decimal that parses back to it, so values round-trip exactly too, except
 * that −0 is written as 0. Non-finite values are rejected both ways: NaN and ±Infinity cannot be
 * written as JSON numbers, and weights holding them are broken anyway.
 */
import { AdjointError, Tensor, ValueError, formatShape, shapeSize } from '@adjoint/core';
import { elide, kind, preview } from './messages';
import { decodeBase64, encodeBase64 } from './base64';

/** How tensor data is written. */
export type Encoding = 'base64' | 'numbers';

/** A tensor in a model file. */
export interface EncodedTensor {
  shape: number[];
  data: string | number[];
}

/** @throws ValueError naming `where` and the element when the tensor holds NaN or ±Infinity. */
export function encodeTensor(t: Tensor, encoding: Encoding, where: string): EncodedTensor {
  checkFiniteData(t.data, where);
  if (encoding === 'numbers') return { shape: [...t.shape], data: Array.from(t.data) };
  const bytes = new DataView(new ArrayBuffer(t.size * 8));
  // Explicit little-endian, so a file written on any machine reads the same on any other.
  for (let i = 0; i < t.size; i++) bytes.setFloat64(i * 8, t.data[i]!, true);
  return { shape: [...t.shape], data: encodeBase64(new Uint8Array(bytes.buffer)) };
}

/**
 * The tensor stored in `value`, whatever the encoding. `value` comes from a file: only its own
 * properties are read, and messages quote it in bounded pieces.
 * @throws ValueError naming `where` for a malformed shape, malformed data, a length that does not fit
 * the shape, or a non-finite value.
 */
export function decodeTensor(value: unknown, where: string): Tensor {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ValueError(`${where}: expected {shape, data}, got ${kind(value)}`);
  const shape = Object.hasOwn(value, 'shape') ? (value as { shape: unknown }).shape : undefined;
  const data = Object.hasOwn(value, 'data') ? (value as { data: unknown }).data : undefined;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ValueError(`${where}: shape must be a list of non-negative integers, got ${preview(shape)}`);
  }
  const size = shapeSize(shape as number[]);
  let out: Float64Array;
  if (typeof data === 'string') {
    const bytes = decodeBase64(data);
    if (bytes === null) throw new ValueError(`${where}: data is not valid base64 (corrupt file?)`);
    if (bytes.length !== size * 8) {
      throw new ValueError(`${where}: data holds ${bytes.length} bytes but shape ${shapeText(shape)} needs ${size} float64 values (${size * 8} bytes)`);
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    out = new Float64Array(size);
    for (let i = 0; i < size; i++) out[i] = view.getFloat64(i * 8, true);
  } else if (Array.isArray(data)) {
    if (data.length !== size) throw new ValueError(`${where}: data holds ${data.length} values but shape ${shapeText(shape)} needs ${size}`);
    const bad = data.findIndex((v) => typeof v !== 'number');
    if (bad >= 0) throw new ValueError(`${where}: element ${bad} is ${preview(data[bad])}, not a number`);
    out = Float64Array.from(data as number[]);
  } else {
    throw new ValueError(`${where}: data must be a base64 string or a list of numbers, got ${kind(data)}`);
  }
  checkFiniteData(out, where);
  try {
    return new Tensor(out, [...(shape as number[])]);
  } catch (e) {
    // Core's own limits (a shape of more axes than a tensor may have): its message, with the file's name.
    if (e instanceof AdjointError) throw new ValueError(`${where}: ${elide(e.message, 200)}`);
    throw e;
  }
}

/** A shape for messages: written out when short, described when a file gives thousands of axes. */
function shapeText(shape: readonly number[]): string {
  return shape.length <= 8 ? formatShape(shape) : `of rank ${shape.length}`;
}

function checkFiniteData(data: Float64Array, where: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) throw new ValueError(`${where}: element ${i} is ${data[i]}; model files hold finite numbers only`);
  }
}
