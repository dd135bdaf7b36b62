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
import { readFileSync } from 'node:fs';
import { Tensor, ValueError, formatShape, sameShape, requireChoice, requireOptions } from '@adjoint/core';
import { Module, describe } from '../module';
import { checkModel } from '../train/predict';
import { decodeTensor, encodeTensor, kind, type EncodedTensor, type Encoding } from './codec';
import { configDifference, configStateSize, moduleFromConfig, moduleToConfig, type LayerConfig } from './architecture';
import { writeFileAtomic, type FileWriter } from './atomic';

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
  /** Writes the temporary file (default: create, write, fsync); tests inject failures here. */
  writeFile?: FileWriter;
}

/**
 * The model as a {@link ModelFile} object: its architecture (when every module in it has a
 * serializer) and its stateDict.
 * @throws ValueError when a parameter or buffer holds NaN or ±Infinity (naming it and the element),
 * or when `requireArchitecture` is set and the architecture cannot be described.
 */
export function serializeModel(model: Module, options: SerializeOptions = {}): ModelFile {
  const op = 'serializeModel';
  checkModel(op, model);
  options = requireOptions(op, options);
  const encoding = requireChoice(op, 'encoding', options.encoding ?? 'base64', ['base64', 'numbers']);
  let architecture: LayerConfig | null = null;
  let note: string | undefined;
  try {
    architecture = moduleToConfig(model);
  } catch (e) {
    if (!(e instanceof ValueError) || options.requireArchitecture) throw e;
    note = e.message;
  }
  const tensors: Record<string, EncodedTensor> = {};
  for (const [key, t] of Object.entries(model.stateDict())) tensors[key] = encodeTensor(t, encoding, `${op}: '${key}'`);
  return { format: MODEL_FORMAT, version: MODEL_VERSION, encoding, architecture, ...(note !== undefined ? { architectureNote: note } : {}), tensors };
}

/**
 * Saves `model` to `path` as JSON (see {@link ModelFile}), replacing any file there atomically: the
 * text is written and flushed to a temporary file in the same directory, then renamed over `path`,
 * so an interrupted save never leaves a torn file.
 * @throws ValueError for non-finite weights (nothing is written), or when the file cannot be written
 * (the old file, if any, is left as it was).
 *
 * @example
 * saveModel(model, 'xor.json');
 * const again = loadModel('xor.json');
 */
export function saveModel(model: Module, path: string, options: SaveModelOptions = {}): void {
  const op = 'saveModel';
  checkPath(op, path);
  options = requireOptions(op, options);
  const text = JSON.stringify(serializeModel(model, options));
  try {
    writeFileAtomic(path, text, options.writeFile);
  } catch (e) {
    const error = new ValueError(`${op}: could not write '${path}': ${(e as Error).message}; any previous file there is unchanged`);
    (error as Error & { cause?: unknown }).cause = e;
    throw error;
  }
}

/** How many values more than the file holds a model may need before it is refused unbuilt (32 MB). */
const ALLOCATION_SLACK = 4 * 1024 * 1024;

/** Options of {@link deserializeModel} and {@link loadModel}. */
export interface LoadModelOptions<M extends Module = Module> {
  /** Load the weights into this model instead of building a new one (its architecture must match). */
  into?: M;
}

/**
 * A model from a {@link ModelFile} object: rebuilt from its architecture, or `into` with its weights
 * replaced. Everything is checked before any weight is written, so a failed load changes nothing.
 * `options.source` names the origin (a path) in messages.
 * @throws ValueError saying what is wrong: not a model file, an unsupported version, a malformed or
 * non-finite tensor, an unknown layer, missing or unexpected keys, or shapes that differ from the model's.
 */
export function deserializeModel<M extends Module>(file: unknown, options: LoadModelOptions<M> & { into: M; source?: string }): M;
export function deserializeModel(file: unknown, options?: LoadModelOptions & { source?: string }): Module;
export function deserializeModel<M extends Module>(file: unknown, options: LoadModelOptions<M> & { source?: string } = {}): M | Module {
  options = requireOptions('deserializeModel', options);
  const where = options.source ?? 'deserializeModel';
  if (file === null || typeof file !== 'object' || Array.isArray(file)) throw new ValueError(`${where}: expected a model file object, got ${kind(file)}`);
  const f = file as Partial<ModelFile> & Record<string, unknown>;
  if (f.format !== MODEL_FORMAT) throw new ValueError(`${where}: not an adjoint model file (format is ${JSON.stringify(f.format)}, expected '${MODEL_FORMAT}')`);
  if (f.version !== MODEL_VERSION) throw new ValueError(`${where}: format version ${JSON.stringify(f.version)} is not supported; this version of @adjoint/nn reads version ${MODEL_VERSION}`);
  if (f.tensors === null || typeof f.tensors !== 'object' || Array.isArray(f.tensors)) throw new ValueError(`${where}: 'tensors' must be an object of named tensors, got ${kind(f.tensors)}`);
  const tensors: Record<string, Tensor> = {};
  for (const [key, value] of Object.entries(f.tensors)) tensors[key] = decodeTensor(value, `${where}: tensor '${key}'`);
  const architecture = f.architecture ?? null;

  let model: Module;
  if (options.into !== undefined) {
    if (!(options.into instanceof Module)) throw new ValueError(`${where}: into must be a Module, got ${describe(options.into)}`);
    model = options.into;
    if (architecture !== null) checkSameArchitecture(where, architecture, model);
  } else {
    if (architecture === null) {
      const why = typeof f.architectureNote === 'string' ? ` (${f.architectureNote})` : '';
      throw new ValueError(`${where}: the file holds weights only, no architecture${why}; load it into a model with {into: model}`);
    }
    // A corrupt dimension ("features": 1e9) would have the layer allocate gigabytes before the shapes
    // are compared. Smaller differences are left to checkSameState, whose message names the tensor.
    const held = Object.values(tensors).reduce((total, t) => total + t.size, 0);
    const needed = configStateSize(architecture);
    if (needed > held + ALLOCATION_SLACK) {
      throw new ValueError(`${where}: the architecture's layers need at least ${needed} values but the file's tensors hold ${held} (a corrupt dimension?)`);
    }
    model = moduleFromConfig(architecture, `${where}: architecture`);
  }
  checkSameState(where, tensors, model);
  model.loadStateDict(tensors);
  return model;
}

/**
 * Loads a model saved by {@link saveModel}: a new model rebuilt from the file's architecture, or,
 * with `{into: model}`, the weights loaded into `model` (which is returned).
 * @throws ValueError naming the file and what is wrong with it (unreadable, not JSON or truncated,
 * not a model file, wrong version, NaN or malformed data, architecture or shapes that do not fit).
 */
export function loadModel<M extends Module>(path: string, options: LoadModelOptions<M> & { into: M }): M;
export function loadModel(path: string, options?: LoadModelOptions): Module;
export function loadModel<M extends Module>(path: string, options: LoadModelOptions<M> = {}): M | Module {
  const op = 'loadModel';
  checkPath(op, path);
  options = requireOptions(op, options);
  const where = `${op}: '${path}'`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ValueError(`${where}: cannot read the file: ${(e as Error).message}`);
  }
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch (e) {
    throw new ValueError(`${where}: not valid JSON (truncated or corrupt?): ${(e as Error).message}`);
  }
  return deserializeModel(file, { ...options, source: where });
}

function checkPath(op: string, path: unknown): void {
  if (typeof path !== 'string' || path === '') throw new ValueError(`${op}: path must be a non-empty string, got ${describe(path)}`);
}

/** @throws ValueError describing the first difference between the file's architecture and the model's. */
function checkSameArchitecture(where: string, architecture: unknown, model: Module): void {
  let own: LayerConfig;
  try {
    own = moduleToConfig(model);
  } catch {
    return; // The model cannot be described; its keys and shapes are still checked.
  }
  const difference = configDifference(architecture, own);
  if (difference !== null) throw new ValueError(`${where}: the file's architecture does not match the model: ${difference}`);
}

/** @throws ValueError for missing or unexpected keys, or a shape that differs from the model's. */
function checkSameState(where: string, tensors: Record<string, Tensor>, model: Module): void {
  const own = model.stateDict();
  const missing = Object.keys(own).filter((k) => !(k in tensors));
  const unexpected = Object.keys(tensors).filter((k) => !(k in own));
  if (missing.length > 0) throw new ValueError(`${where}: the file lacks ${missing.map((k) => `'${k}'`).join(', ')}, which the model has`);
  if (unexpected.length > 0) throw new ValueError(`${where}: the file has ${unexpected.map((k) => `'${k}'`).join(', ')}, which the model lacks`);
  for (const [key, t] of Object.entries(own)) {
    const got = tensors[key]!;
    if (!sameShape(got.shape, t.shape)) {
      throw new ValueError(`${where}: tensor '${key}' has shape ${formatShape(got.shape)} in the file but the model expects ${formatShape(t.shape)}`);
    }
  }
}
