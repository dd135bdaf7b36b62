/**
 * The part of ONNX's protobuf schema (onnx.proto, IR version 8) that an exported model uses, written
 * as field tables, and the encoder that turns a model object into its bytes with
 * @bufbuild/protobuf's wire writer. Field numbers and types are the spec's; only the fields an
 * exporter of inference graphs needs are listed. In proto2, which onnx.proto uses, a singular field
 * is written when it is set (a float attribute of 0 included) and left out when undefined.
 */
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

/** TensorProto.DataType values the exporter writes. */
export const DataType = { FLOAT: 1, INT64: 7, BOOL: 9, DOUBLE: 11 } as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values the exporter writes. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** A whole model: the IR version, the operator sets it imports, who wrote it, and its graph. */
export interface ModelProto {
  irVersion: number;
  opsetImport: OperatorSetIdProto[];
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  graph: GraphProto;
  metadataProps?: StringStringEntryProto[];
}

/** An operator set by domain ('' is the standard ai.onnx set) and version. */
export interface OperatorSetIdProto {
  domain?: string;
  version: number;
}

/** A key and a value (ONNX's stand-in for a map entry). */
export interface StringStringEntryProto {
  key: string;
  value: string;
}

/** A computation: nodes in topological order, constant tensors, and typed inputs and outputs. */
export interface GraphProto {
  node: NodeProto[];
  name: string;
  initializer: TensorProto[];
  docString?: string;
  input: ValueInfoProto[];
  output: ValueInfoProto[];
}

/** One operator application: the values it reads and writes, by name, and its attributes. */
export interface NodeProto {
  input: string[];
  output: string[];
  name?: string;
  opType: string;
  domain?: string;
  attribute: AttributeProto[];
  docString?: string;
}

/** A named attribute holding one kind of value, `type` saying which. */
export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

/** A constant tensor: its shape, element type and little-endian bytes (raw_data). */
export interface TensorProto {
  dims: number[];
  dataType: number;
  name?: string;
  docString?: string;
  rawData: Uint8Array;
}

/** A value's name and type (graph inputs and outputs). */
export interface ValueInfoProto {
  name: string;
  type: TypeProto;
  docString?: string;
}

/** A tensor type: element type and shape (the only kind of TypeProto the exporter writes). */
export interface TypeProto {
  tensorType: { elemType: number; shape: TensorShapeProto };
}

/** A shape whose dimensions are numbers or named (dynamic) dimensions. */
export interface TensorShapeProto {
  dim: Array<{ dimValue: number } | { dimParam: string }>;
}

/** How one field is written: its number, wire form, and for a message field the message's table. */
type Field =
  | { no: number; kind: 'int64' | 'int32' | 'string' | 'bytes' | 'float' }
  | { no: number; kind: 'message'; table: () => Table };
/** A message's fields by property name, repeated ones recognised by their array values. */
type Table = Record<string, Field>;

const OPERATOR_SET_ID: Table = { domain: { no: 1, kind: 'string' }, version: { no: 2, kind: 'int64' } };
const STRING_STRING_ENTRY: Table = { key: { no: 1, kind: 'string' }, value: { no: 2, kind: 'string' } };
const TENSOR: Table = {
  dims: { no: 1, kind: 'int64' },
  dataType: { no: 2, kind: 'int32' },
  name: { no: 8, kind: 'string' },
  rawData: { no: 9, kind: 'bytes' },
  docString: { no: 12, kind: 'string' },
};
const DIMENSION: Table = { dimValue: { no: 1, kind: 'int64' }, dimParam: { no: 2, kind: 'string' } };
const TENSOR_SHAPE: Table = { dim: { no: 1, kind: 'message', table: () => DIMENSION } };
const TENSOR_TYPE: Table = { elemType: { no: 1, kind: 'int32' }, shape: { no: 2, kind: 'message', table: () => TENSOR_SHAPE } };
const TYPE: Table = { tensorType: { no: 1, kind: 'message', table: () => TENSOR_TYPE } };
const VALUE_INFO: Table = { name: { no: 1, kind: 'string' }, type: { no: 2, kind: 'message', table: () => TYPE }, docString: { no: 3, kind: 'string' } };
const ATTRIBUTE: Table = {
  name: { no: 1, kind: 'string' },
  f: { no: 2, kind: 'float' },
  i: { no: 3, kind: 'int64' },
  s: { no: 4, kind: 'bytes' },
  t: { no: 5, kind: 'message', table: () => TENSOR },
  floats: { no: 7, kind: 'float' },
  ints: { no: 8, kind: 'int64' },
  strings: { no: 9, kind: 'bytes' },
  type: { no: 20, kind: 'int32' },
};
const NODE: Table = {
  input: { no: 1, kind: 'string' },
  output: { no: 2, kind: 'string' },
  name: { no: 3, kind: 'string' },
  opType: { no: 4, kind: 'string' },
  attribute: { no: 5, kind: 'message', table: () => ATTRIBUTE },
  docString: { no: 6, kind: 'string' },
  domain: { no: 7, kind: 'string' },
};
const GRAPH: Table = {
  node: { no: 1, kind: 'message', table: () => NODE },
  name: { no: 2, kind: 'string' },
  initializer: { no: 5, kind: 'message', table: () => TENSOR },
  docString: { no: 10, kind: 'string' },
  input: { no: 11, kind: 'message', table: () => VALUE_INFO },
  output: { no: 12, kind: 'message', table: () => VALUE_INFO },
};
const MODEL: Table = {
  irVersion: { no: 1, kind: 'int64' },
  producerName: { no: 2, kind: 'string' },
  producerVersion: { no: 3, kind: 'string' },
  docString: { no: 6, kind: 'string' },
  graph: { no: 7, kind: 'message', table: () => GRAPH },
  opsetImport: { no: 8, kind: 'message', table: () => OPERATOR_SET_ID },
  metadataProps: { no: 14, kind: 'message', table: () => STRING_STRING_ENTRY },
};

/** The bytes of an ONNX model file. */
export function encodeModel(model: ModelProto): Uint8Array {
  const writer = new BinaryWriter();
  writeMessage(writer, MODEL, model as unknown as Record<string, unknown>);
  return writer.finish();
}

/**
 * Writes each set field of `message` in the order of its table. Repeated fields are written one
 * element per field occurrence (unpacked, as onnx.proto declares its repeated numbers: dims, ints,
 * floats), which every protobuf parser reads.
 */
function writeMessage(writer: BinaryWriter, table: Table, message: Record<string, unknown>): void {
  for (const [key, field] of Object.entries(table)) {
    const value = message[key];
    if (value === undefined) continue;
    // A Uint8Array is one bytes value, not a repeated field.
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) writeField(writer, field, v);
  }
}

function writeField(writer: BinaryWriter, field: Field, value: unknown): void {
  switch (field.kind) {
    case 'int64':
      writer.tag(field.no, WireType.Varint).int64(value as number);
      return;
    case 'int32':
      writer.tag(field.no, WireType.Varint).int32(value as number);
      return;
    case 'float':
      writer.tag(field.no, WireType.Bit32).float(value as number);
      return;
    case 'string':
      writer.tag(field.no, WireType.LengthDelimited).string(value as string);
      return;
    case 'bytes':
      writer.tag(field.no, WireType.LengthDelimited).bytes(value as Uint8Array);
      return;
    case 'message':
      writer.tag(field.no, WireType.LengthDelimited).fork();
      writeMessage(writer, field.table(), value as Record<string, unknown>);
      writer.join();
  }
}
