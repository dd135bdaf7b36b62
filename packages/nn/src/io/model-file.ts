/**
 * Saving and loading models as JSON files:
 *
 *   { "format": "adjoint-model", "version": 1, "encoding": "base64",
 *     "architecture": { "type": "Sequential", "layers": [ … ] } | null,
 *     "tensors": { "0.weight": { "shape": [2, 8], "data": "…" }, … } }
 *
 * `tensors` holds the model's stateDict (parameters and buffers) by dotted name; `architecture`
 * the config tree loadModel rebuilds the model from (null, with `architectureNote` saying why, for
 * models whose classes have no serializer: those load only into an existing model).
 */
import { AdjointError, GradError, ShapeError, Tensor, ValueError, formatShape, sameShape, requireChoice, requireOptions } from '@adjoint/core';
import { Module, describe, type AnyModule } from '../module';
import { checkModel } from '../train/predict';
import { orDefault } from '../args';
import { decodeTensor, encodeTensor, type EncodedTensor, type Encoding } from './codec';
import { configDifference, configStateSize, moduleFromConfig, moduleToConfig, type LayerConfig } from './architecture';
import { writeFileAtomic, type FileWriter } from './atomic';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, DEFAULT_MAX_ITEMS, LARGEST_MAX_BYTES, checkJsonText, checkTree, requireLimit, type JsonLimits } from './limits';
import { MAX_MESSAGE, capMessage, elide, kind, preview, quoteName, quoteNames, quotePath } from './messages';
import { readRegularFile } from './read';

/** The `format` field of a model file. */
export const MODEL_FORMAT = 'adjoint-model';
/** The format version this code writes and reads. */
export const MODEL_VERSION = 1;

/** A model file's contents. */
export interface ModelFile {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  encoding: Encoding;
  architecture: LayerConfig | null;
  /** Why `architecture` is null. */
  architectureNote?: string;
  tensors: Record<string, EncodedTensor>;
}

/** Options of {@link serializeModel} and {@link saveModel}. */
export interface SerializeOptions {
  /** 'base64' (default: exact to the bit, compact) or 'numbers' (readable; exact except that −0 becomes 0). */
  encoding?: Encoding;
  /** Throw instead of saving weights only when the architecture cannot be described (default false). */
  requireArchitecture?: boolean;
}

/** Options of {@link saveModel}. */
export interface SaveModelOptions extends SerializeOptions {
  /** Writes the temporary file (default: create with the replaced file's mode, write, fsync); tests inject failures here. */
  writeFile?: FileWriter;
}

/**
 * The model as the bytes of a model file (UTF-8 JSON, what {@link saveModel} writes): its
 * architecture (when every module in it has a serializer) and its stateDict. Works anywhere,
 * a browser included; {@link deserializeModel} reads the bytes back.
 * @throws ValueError when a parameter or buffer holds NaN or ±Infinity (naming it and the element),
 * or when `requireArchitecture` is set and the architecture cannot be described.
 *
 * @example
 * const bytes = serializeModel(model);        // a Uint8Array: store it, send it, download it
 * const again = deserializeModel(bytes);
 */
export function serializeModel(model: AnyModule, options: SerializeOptions = {}): Uint8Array {
  const op = 'serializeModel';
  options = requireOptions(op, options);
  return new TextEncoder().encode(toJson(op, serialize(op, model, options)));
}

/** The model as a {@link ModelFile} object: what {@link serializeModel} encodes as JSON bytes. */
export function toModelFile(model: AnyModule, options: SerializeOptions = {}): ModelFile {
  const op = 'toModelFile';
  options = requireOptions(op, options);
  return serialize(op, model, options);
}

/** serializeModel, its messages starting with `where` (the function called, and the file). */
function serialize(where: string, model: AnyModule, options: SerializeOptions): ModelFile {
  checkModel(where, model);
  const encoding = requireChoice(where, 'encoding', orDefault(options.encoding, 'base64'), ['base64', 'numbers']);
  let architecture: LayerConfig | null = null;
  let note: string | undefined;
  try {
    architecture = moduleToConfig(model);
  } catch (e) {
    if (!(e instanceof ValueError) || options.requireArchitecture) throw e;
    note = e.message;
  }
  const tensors: Record<string, EncodedTensor> = {};
  for (const [key, t] of Object.entries(model.stateDict())) tensors[key] = encodeTensor(t, encoding, `${where}: ${quoteName(key)}`);
  return { format: MODEL_FORMAT, version: MODEL_VERSION, encoding, architecture, ...(note !== undefined ? { architectureNote: note } : {}), tensors };
}

/**
 * Saves `model` to `path` as JSON (see {@link ModelFile}), replacing any file there atomically: the
 * text is written and flushed to a temporary file in the same directory, then renamed over `path`,
 * so an interrupted save never leaves a torn file, and concurrent saves (threads, processes) to one
 * path leave one complete file. A file being replaced keeps its permission bits. When `path` is a
 * symbolic link, the file it points to is replaced and the link kept.
 * @throws ValueError naming saveModel and the file: for non-finite weights (nothing is written), a
 * path that is a directory or a device, or when the file cannot be written (the old file, if any,
 * is left as it was).
 *
 * @example
 * saveModel(model, 'xor.json');
 * const again = loadModel('xor.json');
 */
export function saveModel(model: AnyModule, path: string, options: SaveModelOptions = {}): void {
  const op = 'saveModel';
  checkPath(op, path);
  options = requireOptions(op, options);
  const where = `${op}: ${quotePath(path)}`;
  withFileErrors(where, () => {
    const text = toJson(where, serialize(where, model, options));
    try {
      writeFileAtomic(path, text, options.writeFile);
    } catch (e) {
      throw withCause(new ValueError(`${where}: could not write the file: ${elide(messageOf(e), 250)}; any previous file there is unchanged`), e);
    }
  });
}

/** `file` as JSON text; a user serializer's config might hold what JSON cannot (a BigInt, a cycle). */
function toJson(where: string, file: ModelFile): string {
  try {
    return JSON.stringify(file);
  } catch (e) {
    throw withCause(new ValueError(`${where}: the model cannot be written as JSON: ${elide(messageOf(e), 200)}`), e);
  }
}

/** How many values more than the file holds a model may need before it is refused unbuilt (32 MB). */
const ALLOCATION_SLACK = 4 * 1024 * 1024;

/** Options of {@link deserializeModel}. */
export interface DeserializeModelOptions<M extends AnyModule = Module> {
  /** Load the weights into this model instead of building a new one (its architecture must match). */
  into?: M;
  /**
   * The deepest nesting of arrays and objects (and so of modules) the file may have (default 64;
   * the library's layers need about 2 levels per level of the module tree).
   */
  maxDepth?: number;
  /**
   * The most objects, arrays and strings (keys included; numbers not counted) the file may hold
   * (default 1,000,000; a genuine file holds about 6 per tensor and 10 per layer).
   */
  maxItems?: number;
  /**
   * The largest file read (or bytes given), in bytes (default 256 MiB, about 24 million float64
   * values in the default base64 encoding; at most 536,870,888, the longest string a JavaScript
   * engine holds). A larger file is refused before it is read.
   */
  maxBytes?: number;
}

/** Options of {@link loadModel}. */
export type LoadModelOptions<M extends AnyModule = Module> = DeserializeModelOptions<M>;

/**
 * A model from the bytes of a model file ({@link serializeModel}'s, or a file's contents), its
 * JSON text, or a {@link ModelFile} object: rebuilt from its architecture, or `into` with its
 * weights replaced. Everything is checked before any weight is written, so a failed load changes nothing.
 * The object is untrusted input, checked as loadModel checks a file (a tree of JSON values within
 * `maxDepth` and `maxItems`; own properties only). `options.source` names the origin (a path) in
 * messages.
 * @throws ValueError saying what is wrong: not a model file, an unsupported version, a malformed or
 * non-finite tensor, an unknown layer, missing or unexpected keys, or shapes that differ from the model's.
 */
export function deserializeModel<M extends AnyModule>(file: unknown, options: DeserializeModelOptions<M> & { into: M; source?: string }): M;
export function deserializeModel(file: unknown, options?: DeserializeModelOptions & { source?: string }): Module;
export function deserializeModel<M extends AnyModule>(file: unknown, options: DeserializeModelOptions<M> & { source?: string } = {}): M | Module {
  options = requireOptions('deserializeModel', options);
  const where = typeof options.source === 'string' ? elide(options.source, 200) : 'deserializeModel';
  return withFileErrors(where, () => {
    const limits = jsonLimits(where, options);
    // Bytes or text are a file's contents: checked before parsing, as loadModel checks a file.
    if (file instanceof Uint8Array || typeof file === 'string') {
      const bytes = typeof file === 'string' ? new TextEncoder().encode(file) : file;
      const maxBytes = requireLimit(where, 'maxBytes', options.maxBytes, DEFAULT_MAX_BYTES, LARGEST_MAX_BYTES);
      if (bytes.length > maxBytes) throw new ValueError(`${where}: ${bytes.length} bytes, more than maxBytes (${maxBytes}); pass {maxBytes} to allow larger files`);
      checkJsonText(where, bytes, limits);
      return deserialize(where, parseJson(where, bytes), options, limits);
    }
    checkTree(where, file, limits);
    return deserialize(where, file, options, limits);
  });
}

/**
 * Loads a model saved by {@link saveModel}: a new model rebuilt from the file's architecture, or,
 * with `{into: model}`, the weights loaded into `model` (which is returned).
 *
 * The file is untrusted input. It must be a regular file (not a directory, FIFO or device) of at
 * most `maxBytes` bytes (default 256 MiB), its JSON nested at most `maxDepth` levels deep (default
 * 64) and holding at most `maxItems` objects, arrays and strings (default 1,000,000): each limit is
 * checked before the file is parsed or built, so that no file can hang the process, exhaust its
 * memory or overflow its stack. Raise a limit with the option of that name.
 * @throws ValueError naming loadModel, the file and what is wrong with it (unreadable, not a regular
 * file, over a limit, not JSON or truncated, not a model file, wrong version, NaN or malformed data,
 * architecture or shapes that do not fit).
 *
 * @example
 * const model = loadModel('big.json', { maxBytes: 1024 * 1024 * 1024 });
 */
export function loadModel<M extends AnyModule>(path: string, options: LoadModelOptions<M> & { into: M }): M;
export function loadModel(path: string, options?: LoadModelOptions): Module;
export function loadModel<M extends AnyModule>(path: string, options: LoadModelOptions<M> = {}): M | Module {
  const op = 'loadModel';
  checkPath(op, path);
  options = requireOptions(op, options);
  const where = `${op}: ${quotePath(path)}`;
  return withFileErrors(where, () => {
    const limits = jsonLimits(where, options);
    const maxBytes = requireLimit(where, 'maxBytes', options.maxBytes, DEFAULT_MAX_BYTES, LARGEST_MAX_BYTES);
    const bytes = readRegularFile(where, path, maxBytes);
    checkJsonText(where, bytes, limits); // what checkTree would check, before parsing builds it
    return deserialize(where, parseJson(where, bytes), options, limits);
  });
}

function jsonLimits(where: string, options: DeserializeModelOptions<AnyModule>): JsonLimits {
  return {
    maxDepth: requireLimit(where, 'maxDepth', options.maxDepth, DEFAULT_MAX_DEPTH),
    maxItems: requireLimit(where, 'maxItems', options.maxItems, DEFAULT_MAX_ITEMS),
  };
}

function parseJson(where: string, bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw withCause(new ValueError(`${where}: not valid JSON (truncated or corrupt?): ${elide(messageOf(e), 200)}`), e);
  }
}

/** deserializeModel on a value within `limits`, its messages starting with `where`. */
function deserialize<M extends AnyModule>(where: string, file: unknown, options: DeserializeModelOptions<M>, limits: JsonLimits): M | Module {
  if (file === null || typeof file !== 'object' || Array.isArray(file)) throw new ValueError(`${where}: expected a model file object, got ${kind(file)}`);
  const format = own(file, 'format');
  const version = own(file, 'version');
  const encoded = own(file, 'tensors');
  if (format !== MODEL_FORMAT) throw new ValueError(`${where}: not an adjoint model file (format is ${preview(format)}, expected '${MODEL_FORMAT}')`);
  if (version !== MODEL_VERSION) throw new ValueError(`${where}: format version ${preview(version)} is not supported; this version of @adjoint/nn reads version ${MODEL_VERSION}`);
  if (encoded === null || typeof encoded !== 'object' || Array.isArray(encoded)) throw new ValueError(`${where}: 'tensors' must be an object of named tensors, got ${kind(encoded)}`);
  // A Map, not an object: a tensor named "__proto__" or "constructor" is a name like any other.
  const tensors = new Map<string, Tensor>();
  for (const [key, value] of Object.entries(encoded)) tensors.set(key, decodeTensor(value, `${where}: tensor ${quoteName(key)}`));
  const architecture = own(file, 'architecture') ?? null;

  let model: AnyModule;
  if (options.into !== undefined) {
    if (!(options.into instanceof Module)) throw new ValueError(`${where}: into must be a Module, got ${describe(options.into)}`);
    model = options.into;
    if (architecture !== null) checkSameArchitecture(where, architecture, model);
  } else {
    if (architecture === null) {
      const note = own(file, 'architectureNote');
      const why = typeof note === 'string' ? ` (${elide(note, 200)})` : '';
      throw new ValueError(`${where}: the file holds weights only, no architecture${why}; load it into a model with {into: model}`);
    }
    // A corrupt dimension ("features": 1e9) would have the layer allocate gigabytes before the shapes
    // are compared. Smaller differences are left to checkSameState, whose message names the tensor.
    let held = 0;
    for (const t of tensors.values()) held += t.size;
    const needed = configStateSize(architecture);
    if (needed > held + ALLOCATION_SLACK) {
      throw new ValueError(`${where}: the architecture's layers need at least ${needed} values but the file's tensors hold ${held} (a corrupt dimension?)`);
    }
    model = moduleFromConfig(architecture, `${where}: architecture`, limits);
  }
  model.loadStateDict(checkSameState(where, tensors, model));
  // A model built from a file is typed as a tensor → tensor Module, which every layer but the
  // recurrent ones is; a file holding a bare LSTM gives an LSTM (narrow it with instanceof).
  return model as M | Module;
}

function checkPath(op: string, path: unknown): void {
  if (typeof path !== 'string' || path === '') throw new ValueError(`${op}: path must be a non-empty string, got ${describe(path)}`);
}

/** `object[key]` when it is the object's own property, never one inherited from Object.prototype. */
function own(object: object, key: string): unknown {
  return Object.hasOwn(object, key) ? (object as Record<string, unknown>)[key] : undefined;
}

/** @throws ValueError describing the first difference between the file's architecture and the model's. */
function checkSameArchitecture(where: string, architecture: unknown, model: AnyModule): void {
  let own: LayerConfig;
  try {
    own = moduleToConfig(model);
  } catch {
    return; // The model cannot be described; its keys and shapes are still checked.
  }
  const difference = configDifference(architecture, own);
  if (difference !== null) throw new ValueError(`${where}: the file's architecture does not match the model: ${difference}`);
}

/**
 * The file's tensors as a state dict for `model`, once they have exactly the model's keys and
 * shapes. The dict has no prototype, so that no key can be mistaken for an inherited property.
 * @throws ValueError for missing or unexpected keys, or a shape that differs from the model's.
 */
function checkSameState(where: string, tensors: ReadonlyMap<string, Tensor>, model: AnyModule): Record<string, Tensor> {
  const own = new Map(Object.entries(model.stateDict()));
  const missing = [...own.keys()].filter((k) => !tensors.has(k));
  const unexpected = [...tensors.keys()].filter((k) => !own.has(k));
  if (missing.length > 0) throw new ValueError(`${where}: the file lacks ${quoteNames(missing)}, which the model has`);
  if (unexpected.length > 0) throw new ValueError(`${where}: the file has ${quoteNames(unexpected)}, which the model lacks`);
  const dict: Record<string, Tensor> = Object.create(null);
  for (const [key, t] of own) {
    const got = tensors.get(key)!;
    if (!sameShape(got.shape, t.shape)) {
      throw new ValueError(`${where}: tensor ${quoteName(key)} has shape ${formatShape(got.shape)} in the file but the model expects ${formatShape(t.shape)}`);
    }
    dict[key] = got;
  }
  return dict;
}

/**
 * Runs `body`, making whatever it throws an error of the model-file functions: an AdjointError
 * whose message starts with `where` (the function called and the file) and is at most
 * {@link MAX_MESSAGE} characters. Messages are built from bounded pieces in the first place; this
 * catches what comes from elsewhere — a user serializer, a layer's constructor, a stack overflow
 * under a maxDepth raised too far.
 */
function withFileErrors<T>(where: string, body: () => T): T {
  try {
    return body();
  } catch (e) {
    if (e instanceof AdjointError && e.message.startsWith(where) && e.message.length <= MAX_MESSAGE) throw e;
    const message = e instanceof AdjointError && e.message.startsWith(where) ? e.message : `${where}: ${messageOf(e)}`;
    const Kind = e instanceof ShapeError ? ShapeError : e instanceof GradError ? GradError : ValueError;
    throw withCause(new Kind(capMessage(message)), e);
  }
}

/** The message of anything thrown, kept short before it is copied anywhere. */
function messageOf(e: unknown): string {
  try {
    // Not `instanceof Error`: errors from node:fs may come from another realm (a vm context, as in jest).
    const message = (e as { message?: unknown } | null)?.message;
    return elide(typeof message === 'string' ? message : String(e), MAX_MESSAGE);
  } catch {
    return 'an error that cannot be printed';
  }
}

/** `error` with `cause` attached (AdjointError's constructor takes a message only). */
function withCause<E extends Error>(error: E, cause: unknown): E {
  (error as Error & { cause?: unknown }).cause = cause;
  return error;
}
