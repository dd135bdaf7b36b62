/**
 * Building an ONNX graph: unique value names, nodes with typed attributes, and initializers holding
 * a model's weights in the element type of the export (double or float, little-endian raw bytes).
 */
import type { Tensor } from '@adjoint/core';
import { AttributeType, DataType, type AttributeProto, type NodeProto, type TensorProto } from './onnx-proto';

/** A dimension: a size, or the name of a dimension fixed only when the model runs ('batch'). */
export type Dim = number | string;

/** A value of the graph: its name and its shape as far as the export knows it. */
export interface OnnxValue {
  name: string;
  shape: Dim[];
  /** Its ONNX element type when it is not the export's floating-point type (int64 indices). */
  elemType?: number;
}

/** The element type of an export's tensors. */
export type OnnxPrecision = 'float64' | 'float32';

/** An attribute value, tagged with its ONNX kind (a number alone could be an int or a float). */
export type Attribute = { int: number } | { float: number } | { ints: readonly number[] } | { floats: readonly number[] } | { string: string } | { strings: readonly string[] };

/** Collects nodes and initializers; every name it hands out is unique in the graph. */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  /** The ONNX element type of the export's floating-point tensors. */
  readonly elemType: number;
  private readonly names = new Set<string>();
  /** For each base given to {@link name}, the suffix its search starts from. */
  private readonly suffixes = new Map<string, number>();
  /** The names of sizes fixed only at run time, the input's and those the export makes up. */
  private readonly dimNames = new Set<string>();
  /** A parameter or buffer already written, so a tensor shared by two layers is stored once. */
  private readonly stored = new Map<Tensor, string>();

  constructor(readonly precision: OnnxPrecision) {
    this.elemType = precision === 'float64' ? DataType.DOUBLE : DataType.FLOAT;
  }

  /** `base`, or `base_1`, `base_2`, … when taken. */
  name(base: string): string {
    // Suffixes below the last one given for `base` are taken (names are never freed), so the search
    // starts there: a recurrent layer of thousands of layers names thousands of nodes alike.
    let i = this.suffixes.get(base) ?? 0;
    let name = i === 0 ? base : `${base}_${i}`;
    while (this.names.has(name)) name = `${base}_${++i}`;
    this.suffixes.set(base, i + 1);
    this.names.add(name);
    return name;
  }

  /**
   * A name for a size known only at run time that the export makes up (a pooled length), `base`
   * or `base_1`, …: never one of the input's or another made-up size's, as ONNX takes sizes of the
   * same name to be equal.
   */
  dimName(base: string): string {
    let name = base;
    for (let i = 1; this.dimNames.has(name); i++) name = `${base}_${i}`;
    this.dimNames.add(name);
    return name;
  }

  /** Claims the named sizes of `shape` (the graph input's), which {@link dimName} then avoids. */
  claimDims(shape: readonly Dim[]): void {
    for (const d of shape) if (typeof d === 'string') this.dimNames.add(d);
  }

  /** Claims `name` exactly (the graph's input and output). */
  claim(name: string): string {
    this.names.add(name);
    return name;
  }

  /**
   * An initializer holding `tensor`'s values under the tensor's dotted name in the model (so that
   * the file's weights can be matched with a state dict or a safetensors file), written once however
   * many layers use it.
   */
  weight(tensor: Tensor, dottedName: string): OnnxValue {
    const known = this.stored.get(tensor);
    if (known !== undefined) return { name: known, shape: [...tensor.shape] };
    const value = this.constant(tensor.data, tensor.shape, dottedName);
    this.stored.set(tensor, value.name);
    return value;
  }

  /** An initializer of the export's element type. */
  constant(values: ArrayLike<number>, shape: readonly number[], base: string): OnnxValue {
    const name = this.name(base);
    this.initializers.push({ name, dims: [...shape], dataType: this.elemType, rawData: floatBytes(values, this.precision) });
    return { name, shape: [...shape] };
  }

  /** A scalar initializer of the export's element type (for broadcasting in elementwise ops). */
  scalar(value: number, base: string): OnnxValue {
    return this.constant([value], [], base);
  }

  /** An int64 initializer (shapes, axes and indices). */
  int64s(values: readonly number[], shape: readonly number[], base: string): OnnxValue {
    const name = this.name(base);
    const bytes = new Uint8Array(values.length * 8);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
    this.initializers.push({ name, dims: [...shape], dataType: DataType.INT64, rawData: bytes });
    return { name, shape: [...shape], elemType: DataType.INT64 };
  }

  /**
   * Appends a node and returns its outputs: `outputs` values named `base`, `base_1`, … whose
   * shapes the caller gives (or `shape` for all of them).
   */
  node(opType: string, inputs: ReadonlyArray<OnnxValue | ''>, base: string, shape: Dim[], attributes: Record<string, Attribute> = {}, outputs = 1, elemType?: number): OnnxValue[] {
    const out = Array.from({ length: outputs }, (): OnnxValue => ({ name: this.name(base), shape: [...shape], ...(elemType !== undefined ? { elemType } : {}) }));
    this.nodes.push({
      input: inputs.map((v) => (v === '' ? '' : v.name)),
      output: out.map((v) => v.name),
      name: this.name(`${base}:node`),
      opType,
      attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
    });
    return out;
  }

  /** {@link node} with one output. */
  op(opType: string, inputs: ReadonlyArray<OnnxValue | ''>, base: string, shape: Dim[], attributes: Record<string, Attribute> = {}, elemType?: number): OnnxValue {
    return this.node(opType, inputs, base, shape, attributes, 1, elemType)[0]!;
  }

  /** Renames value `from` to `to` everywhere (the last node's output becomes the graph's output). */
  rename(from: string, to: string): void {
    for (const node of this.nodes) {
      node.input = node.input.map((n) => (n === from ? to : n));
      node.output = node.output.map((n) => (n === from ? to : n));
    }
    this.names.add(to);
  }

  /** Whether `name` is written by a node (and so may be renamed). */
  isNodeOutput(name: string): boolean {
    return this.nodes.some((node) => node.output.includes(name));
  }
}

function attribute(name: string, value: Attribute): AttributeProto {
  const text = new TextEncoder();
  if ('int' in value) return { name, type: AttributeType.INT, i: value.int };
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  if ('ints' in value) return { name, type: AttributeType.INTS, ints: [...value.ints] };
  if ('floats' in value) return { name, type: AttributeType.FLOATS, floats: [...value.floats] };
  if ('string' in value) return { name, type: AttributeType.STRING, s: text.encode(value.string) };
  return { name, type: AttributeType.STRINGS, strings: value.strings.map((s) => text.encode(s)) };
}

/** `values` as little-endian float64 or float32 bytes. */
export function floatBytes(values: ArrayLike<number>, precision: OnnxPrecision): Uint8Array {
  const width = precision === 'float64' ? 8 : 4;
  const bytes = new Uint8Array(values.length * width);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) {
    if (width === 8) view.setFloat64(i * 8, values[i]!, true);
    else view.setFloat32(i * 4, values[i]!, true);
  }
  return bytes;
}
