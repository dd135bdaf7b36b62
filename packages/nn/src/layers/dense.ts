/** The fully connected layer of the course notes (docs/course-notes.md): z = xW + b, a = f(z). */
import { Rng, ShapeError, Tensor, ValueError, formatShape, linear, matmul } from '@adjoint/core';
import { Module, type AnyModule } from '../module';
import { activationFn, isReluLike, type ActivationFn, type ActivationName } from '../activations';
import { checkInitialized, initializer, zeros, type Initializer, type InitializerName } from '../init';
import { MAX_TENSOR_SIZE, checkBoolean, knownOptions, randomSource, show, orDefault, requireTensor } from '../args';

const DENSE_OPTIONS = ['activation', 'init', 'bias', 'seed', 'rng'];

/** Options of {@link Dense}. */
export interface DenseOptions {
  /** Applied to xW + b: a name, a function, or an activation module (default 'identity'). */
  activation?: ActivationName | ActivationFn | Module;
  /**
   * Weight initialiser, by name or as a function. Default: heUniform when the activation is in the
   * ReLU family ('relu', 'leakyRelu', 'elu', 'gelu', 'silu'), glorotUniform otherwise (including
   * functions, whose nature is unknown).
   */
  init?: InitializerName | Initializer;
  /** Whether to add a bias (default true); biases start at zero. */
  bias?: boolean;
  /** Seed for the weight draw: a whole number (give seed or rng, not both). */
  seed?: number;
  /** Generator to draw the weights from (mlp passes one generator through all its layers). */
  rng?: Rng;
}

/**
 * A fully connected layer: `y = f(xW + b)` with weight `W` of shape `[inFeatures, outFeatures]`
 * (row i holds the weights leaving input i, as w_ij in the notes) and bias `b` of shape
 * `[outFeatures]`. Inputs are `[..., inFeatures]`: a single sample `[in]`, a batch `[N, in]`, or
 * more leading axes.
 */
export class Dense extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** The activation's name ('relu', 'tanh', …; a module's class name; 'custom' for a function). */
  readonly activationName: string;
  /** The activation function, or null where an activation module (the child 'activation') is used. */
  private readonly activationFunction: ActivationFn | null;
  /** Whether relu is fused into the affine map (see forward). */
  private readonly fusedRelu: boolean;
  private readonly hasBias: boolean;

  /**
   * @throws ValueError naming Dense for a size that is not a positive integer, a weight larger than
   * a tensor can hold, a seed that is not a whole number, seed and rng together, an unknown
   * option, activation or initialiser.
   */
  constructor(inFeatures: number, outFeatures: number, options: DenseOptions = {}) {
    super();
    options = knownOptions('Dense', options, DENSE_OPTIONS);
    checkDenseSizes('Dense', inFeatures, outFeatures);
    const random = randomSource('Dense', options);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const activation = orDefault(options.activation, 'identity');
    if (activation instanceof Module) {
      this.register('activation', activation);
      this.activationFunction = null;
      this.activationName = activation.constructor.name;
    } else {
      this.activationFunction = activationFn(activation, 'Dense');
      this.activationName = typeof activation === 'string' ? activation : 'custom';
    }
    const init = initializer(orDefault(options.init, isReluLike(activation) ? 'heUniform' : 'glorotUniform'), 'Dense');
    const weight = checkInitialized('Dense', init([inFeatures, outFeatures], random), [inFeatures, outFeatures]);
    this.registerParameter('weight', weight);
    this.hasBias = checkBoolean('Dense', 'bias', orDefault(options.bias, true));
    if (this.hasBias) this.registerParameter('bias', zeros([outFeatures]));
    this.fusedRelu = activation === 'relu' && this.hasBias;
  }

  /** Keeps {@link activationName} in step with an activation module put in place by {@link Module.replaceChild}. */
  protected override childReplaced(name: string, _old: AnyModule, replacement: AnyModule): void {
    if (name === 'activation') (this as { activationName: string }).activationName = replacement.constructor.name;
  }

  /** The `[inFeatures, outFeatures]` weight matrix. */
  get weight(): Tensor {
    return this.param('weight');
  }

  /** The `[outFeatures]` bias, or null for a layer built with `bias: false`. */
  get bias(): Tensor | null {
    return this.hasBias ? this.param('bias') : null;
  }

  /** The activation, a module's as registered now (so that one put in its place by replaceChild runs). */
  private activate(x: Tensor): Tensor {
    return this.activationFunction === null ? (Module.childrenOf(this).get('activation') as Module).forward(x) : this.activationFunction(x);
  }

  /** f(xW + b). */
  forward(x: Tensor): Tensor {
    requireTensor('Dense.forward', 'input', x);
    if (x.rank === 0 || x.shape[x.rank - 1] !== this.inFeatures) {
      throw new ShapeError(`Dense.forward: input must have ${this.inFeatures} features on its last axis, got ${formatShape(x.shape)}`);
    }
    const b = this.bias;
    if (b === null) return this.activate(matmul(x, this.weight));
    // relu in the same op as the product and bias: one array and one pass fewer, the same values.
    return this.fusedRelu ? linear(x, this.weight, b, { activation: 'relu' }) : this.activate(linear(x, this.weight, b));
  }

  protected override describeSelf(): string {
    return `${this.inFeatures} → ${this.outFeatures}, ${this.activationName}${this.hasBias ? '' : ', no bias'}`;
  }
}

/**
 * Checks a Dense layer's sizes, naming `op` (Dense, or mlp for its layers): positive integers whose
 * weight fits in a tensor, checked before anything is drawn.
 */
export function checkDenseSizes(op: string, inFeatures: unknown, outFeatures: unknown, what = ''): void {
  for (const [name, n] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
    if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) throw new ValueError(`${op}: ${what}${name} must be a positive integer, got ${show(n)}`);
  }
  const size = (inFeatures as number) * (outFeatures as number);
  if (size > MAX_TENSOR_SIZE) {
    throw new ValueError(`${op}: ${what}a ${inFeatures} × ${outFeatures} weight would hold ${size} values, more than the ${MAX_TENSOR_SIZE} a tensor can hold`);
  }
}
