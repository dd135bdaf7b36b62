/**
 * Weight initialisers. Glorot & Bengio (2010) showed that drawing weights from N(0, 1) makes each
 * layer's output variance grow until sigmoid and tanh saturate; scaling the variance by the fans
 * keeps the signal's variance roughly constant forwards (fan-in) and backwards (fan-out).
 *
 * Every initialiser is `(shape, {seed?, rng?}) → Tensor`. With `seed` (a whole number), the result
 * depends on the seed alone; with `rng`, draws continue that generator's stream; with neither, they
 * come from core's module-wide stream (reseed it with `manualSeed`). Giving both is an error. Each
 * checks its shape and options itself, so that its messages name it rather than `rand`.
 */
import { MAX_RANK, Tensor, ValueError, formatShape, rand, randn, sameShape, zeros as zerosOf, shapeSize, type Rng } from '@adjoint/core';
import { describe } from './module';
import { MAX_TENSOR_SIZE, finiteNumber, knownOptions, randomSource, show, type RandomSource, orDefault } from './args';

/** Where an initialiser's random numbers come from. */
export interface InitOptions {
  seed?: number;
  rng?: Rng;
}

/**
 * The options of the fan-scaled initialisers (glorot*, he*): {@link InitOptions}, and fans to use
 * instead of those {@link fans} reads from the shape, for a weight in another layout. PyTorch's
 * recurrent and embedding weights are `[out, in]` where a Dense weight is `[in, out]`:
 * `heUniform(lstm.param('weightIh').shape, { fanIn: inputSize })` draws what
 * `kaiming_uniform_(weight_ih)` draws. The Glorot laws take both fans or neither.
 */
export interface FanOptions extends InitOptions {
  /** The fan-in, a whole number ≥ 1 (default: read from the shape). */
  fanIn?: number;
  /** The fan-out, a whole number ≥ 1 (default: read from the shape). */
  fanOut?: number;
}

/** A weight initialiser: shape and randomness in, a fresh tensor (not requiring grad) out. */
export type Initializer = (shape: readonly number[], options?: InitOptions) => Tensor;

/** A fan-scaled initialiser, which also takes the fans ({@link FanOptions}); an {@link Initializer} too. */
export type FanInitializer = (shape: readonly number[], options?: FanOptions) => Tensor;

/** The initialiser names {@link Dense} accepts for its `init` option. */
export type InitializerName = 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'normal' | 'zeros';

/**
 * Fan-in and fan-out of a weight shape, in the layouts of nn's layers: a Dense weight `[in, out]`
 * has fan-in `shape[0]` and fan-out `shape[1]`; a convolution kernel `[out, in/groups, …kernel]`
 * (rank 3 and up) has fan-in (in/groups)·Πkernel and fan-out out·Πkernel, as torch.nn.init computes
 * them, so that an initialiser given to Conv2d as a function draws what its name draws. A vector
 * counts as `[n, n]` and a scalar as `[1, 1]` (Keras's convention; PyTorch refuses both).
 */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  checkShape('fans', shape);
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  if (shape.length === 2) return { fanIn: shape[0]!, fanOut: shape[1]! };
  const taps = shapeSize(shape.slice(2));
  return { fanIn: shape[1]! * taps, fanOut: shape[0]! * taps };
}


/**
 * `shape` checked as core's random constructors would, but naming the initialiser: a list of at
 * most 64 non-negative integers whose product a tensor can hold.
 */
function checkShape(op: string, shape: unknown): readonly number[] {
  if (!Array.isArray(shape)) throw new ValueError(`${op}: shape must be an array of dimensions, got ${show(shape)}`);
  if (shape.length > MAX_RANK) throw new ValueError(`${op}: a tensor has at most ${MAX_RANK} axes, got a shape of rank ${shape.length}`);
  if (!shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
    throw new ValueError(`${op}: dimensions must be non-negative integers, got [${shape.map(show).join(', ')}]`);
  }
  const size = shapeSize(shape);
  if (size > MAX_TENSOR_SIZE) throw new ValueError(`${op}: shape ${formatShape(shape)} has ${size} elements, more than the ${MAX_TENSOR_SIZE} a tensor can hold`);
  return shape;
}

/**
 * The fans of `shape`, or those `options` give, checked to be whole numbers ≥ 1. The Glorot laws
 * use both, so they take both or neither: one fan given for a weight in another layout would leave
 * the other read from the wrong axis.
 */
function positiveFans(op: string, shape: unknown, options: FanOptions | undefined): { fanIn: number; fanOut: number } {
  const f = fans(checkShape(op, shape));
  if (op.startsWith('glorot') && (options?.fanIn === undefined) !== (options?.fanOut === undefined)) {
    throw new ValueError(`${op}: uses both fans, so give fanIn and fanOut together (for a weight in PyTorch's [out, in] layout, fanIn: shape[1] and fanOut: shape[0]), got only ${options?.fanIn === undefined ? 'fanOut' : 'fanIn'}`);
  }
  for (const key of ['fanIn', 'fanOut'] as const) {
    const given = options?.[key];
    if (given === undefined) continue;
    if (typeof given !== 'number' || !Number.isInteger(given) || given < 1) throw new ValueError(`${op}: ${key} must be a whole number ≥ 1, got ${show(given)}`);
    f[key] = given;
  }
  if (!(f.fanIn > 0 && f.fanOut > 0)) throw new ValueError(`${op}: needs a shape with non-zero fans, got ${formatShape(shape as number[])}`);
  return f;
}

/** An initialiser's options: seed or rng (see randomSource), and `extra` keys for normal's std and mean. */
function random(op: string, options: InitOptions | undefined, extra: readonly string[] = []): RandomSource {
  return randomSource(op, knownOptions(op, options, ['seed', 'rng', ...extra]));
}

/** How a fan-scaled initialiser draws: uniform on [−limit, limit], or normal with mean 0 and `std`. */
type Law = { uniform: number } | { std: number };

/** The fan-scaled initialisers' laws, from the fans. */
const laws = {
  glorotUniform: ({ fanIn, fanOut }: Fans): Law => ({ uniform: Math.sqrt(6 / (fanIn + fanOut)) }),
  glorotNormal: ({ fanIn, fanOut }: Fans): Law => ({ std: Math.sqrt(2 / (fanIn + fanOut)) }),
  heUniform: ({ fanIn }: Fans): Law => ({ uniform: Math.sqrt(6 / fanIn) }),
  heNormal: ({ fanIn }: Fans): Law => ({ std: Math.sqrt(2 / fanIn) }),
};

/** Fan-in and fan-out. */
type Fans = { fanIn: number; fanOut: number };

/** `shape` drawn by the law of `name` at `f` (checked positive), its randomness from `options`. */
function drawLaw(name: keyof typeof laws, shape: readonly number[], f: Fans, options: FanOptions | undefined): Tensor {
  const law = laws[name](f);
  const source = random(name, options, ['fanIn', 'fanOut']);
  return 'uniform' in law ? rand(shape, { ...source, min: -law.uniform, max: law.uniform }) : randn(shape, { ...source, std: law.std });
}

/** Uniform on [−limit, limit] with limit = √(6/(fanIn + fanOut)): variance 2/(fanIn + fanOut). */
export const glorotUniform: FanInitializer = (shape, options = {}) => drawLaw('glorotUniform', shape, positiveFans('glorotUniform', shape, options), options);

/** Normal with mean 0 and std √(2/(fanIn + fanOut)). */
export const glorotNormal: FanInitializer = (shape, options = {}) => drawLaw('glorotNormal', shape, positiveFans('glorotNormal', shape, options), options);

/** Uniform on [−limit, limit] with limit = √(6/fanIn): variance 2/fanIn, for ReLU-family layers. */
export const heUniform: FanInitializer = (shape, options = {}) => drawLaw('heUniform', shape, positiveFans('heUniform', shape, options), options);

/** Normal with mean 0 and std √(2/fanIn), for ReLU-family layers. */
export const heNormal: FanInitializer = (shape, options = {}) => drawLaw('heNormal', shape, positiveFans('heNormal', shape, options), options);

/**
 * A weight of `shape` drawn by the initialiser `spec` with the fans given rather than read from the
 * shape (for a convolution kernel they are those {@link fans} reads). A named fan-scaled initialiser
 * uses `f`; 'normal' and 'zeros' need no fans; a function is called with the shape as it is. `op`
 * names the layer in errors.
 * @internal Conv1d's and Conv2d's; not part of the `init` namespace's public surface.
 */
export function initializeWithFans(op: string, spec: InitializerName | Initializer, shape: readonly number[], f: Fans, options: InitOptions): Tensor {
  const init = initializer(spec, op);
  if (typeof spec === 'string' && Object.prototype.hasOwnProperty.call(laws, spec)) return drawLaw(spec as keyof typeof laws, shape, f, options);
  return init(shape, options);
}

/**
 * @internal What an initialiser returned for layer `op`'s weight, checked: a new (leaf) tensor of
 * `shape`, so that it can be registered as a parameter.
 */
export function checkInitialized(op: string, weight: unknown, shape: readonly number[]): Tensor {
  if (!(weight instanceof Tensor) || !sameShape(weight.shape, shape)) {
    throw new ValueError(`${op}: the initializer must return a ${formatShape(shape)} tensor, got ${describe(weight)}`);
  }
  if (!weight.isLeaf) throw new ValueError(`${op}: the initializer must return a new tensor, not one computed by an op (detach() it)`);
  return weight;
}

/**
 * Normal with mean 0 and std `options.std` (default 1), whatever the fans: the pre-2010 practice
 * the course notes (docs/course-notes.md) warn about, kept for comparison experiments.
 */
export function normal(shape: readonly number[], options: InitOptions & { std?: number; mean?: number } = {}): Tensor {
  const source = random('normal', options, ['std', 'mean']);
  const std = finiteNumber('normal', 'std', orDefault(options.std, 1));
  const mean = finiteNumber('normal', 'mean', orDefault(options.mean, 0));
  if (std < 0) throw new ValueError(`normal: std must be a finite number ≥ 0, got ${std}`);
  return randn(checkShape('normal', shape), { ...source, std, mean });
}

/** All zeros (the default for biases). Randomness options are checked, then ignored. */
export function zeros(shape: readonly number[], options: InitOptions = {}): Tensor {
  random('zeros', options);
  return zerosOf(checkShape('zeros', shape));
}

const byName: Record<InitializerName, Initializer> = { glorotUniform, glorotNormal, heUniform, heNormal, normal, zeros };

/** The initialiser for a name (a function is returned unchanged). */
export function initializer(spec: InitializerName | Initializer, op = 'initializer'): Initializer {
  if (typeof spec === 'function') return spec;
  if (typeof spec === 'string' && Object.prototype.hasOwnProperty.call(byName, spec)) return byName[spec];
  throw new ValueError(`${op}: unknown initializer ${show(spec)}; expected one of ${Object.keys(byName).join(', ')} or a function`);
}
