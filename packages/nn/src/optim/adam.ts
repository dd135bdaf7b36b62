/** Adam (Kingma & Ba 2015) and AdamW (Loshchilov & Hutter 2019). */
import { Tensor, ValueError, adamCoefficients, adamMoments, adamStageGradient, adamUpdate, requireOptions, zerosLike, type AdamMoments } from '@adjoint/core';
import { Optimizer, checkKnownOptions, checkOption, type LearningRate, type OptimizerParams } from './optimizer';
import { checkBoolean, orDefault, show } from '../args';

/** Options of {@link Adam}. */
export interface AdamOptions {
  /** Learning rate η, or a schedule (default 0.001). */
  lr?: LearningRate;
  /** Decay β₁ ∈ [0, 1) of the first-moment (mean) estimate (default 0.9). */
  beta1?: number;
  /** Decay β₂ ∈ [0, 1) of the second-moment estimate (default 0.999). */
  beta2?: number;
  /** ε added to √v̂ (default 1e-8). */
  eps?: number;
  /** Weight decay λ ≥ 0 (default 0; 0.01 for {@link AdamW}). */
  weightDecay?: number;
  /** Decay the weights directly instead of through the gradient: AdamW (default false). */
  decoupled?: boolean;
}

/**
 * Adam's state for one parameter: the moment estimates `m` and `v`, and `t`, its number of updates.
 * @inline
 */
type AdamState = { m: Tensor; v: Tensor; t: number };

/**
 * Adam. With gradient g of parameter w at its t-th update (t = 1, 2, …), elementwise:
 *
 *   g ← g + λw                  (coupled weight decay, when not decoupled)
 *   m ← β₁m + (1 − β₁)g         v ← β₂v + (1 − β₂)g²      (both start at 0)
 *   m̂ = m/(1 − β₁ᵗ)             v̂ = v/(1 − β₂ᵗ)           (bias correction)
 *   w ← w − η·m̂/(√v̂ + ε)
 *
 * With `decoupled: true` (AdamW) the gradient is left alone and the weights shrink separately,
 * before the Adam step: w ← w − ηλw. Coupled decay is divided by √v̂ like the rest of the gradient,
 * so weights with large gradients are barely decayed; decoupled decay treats every weight alike.
 *
 * Because m̂ = g and v̂ = g² at t = 1, the first step moves each weight by η (times
 * |g|/(|g| + ε)) against its gradient's sign, whatever the gradient's scale.
 */
export class Adam extends Optimizer<AdamState> {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly decoupled: boolean;
  /** Where each parameter's moments live from their first update on (see {@link resident}). */
  private moments: AdamMoments[] | null = null;
  /** The buffers holding the parameters' values (see {@link sharesAParameter}), collected at the first step. */
  private parameterBuffers: Set<ArrayBufferLike> | null = null;

  /** @param name used in messages (AdamW passes its own). */
  constructor(params: OptimizerParams, options: AdamOptions = {}, name = 'Adam') {
    options = checkKnownOptions(name, options, ['lr', 'beta1', 'beta2', 'eps', 'weightDecay', 'decoupled']);
    super(name, params, orDefault(options.lr, 0.001));
    this.beta1 = checkOption(name, 'beta1', orDefault(options.beta1, 0.9), 1);
    this.beta2 = checkOption(name, 'beta2', orDefault(options.beta2, 0.999), 1);
    this.eps = checkOption(name, 'eps', orDefault(options.eps, 1e-8));
    this.weightDecay = checkOption(name, 'weightDecay', orDefault(options.weightDecay, 0));
    this.decoupled = checkBoolean(name, 'decoupled', orDefault(options.decoupled, false));
  }

  protected override readonly nonNegativeState = ['v'];

  protected override settings(): Readonly<Record<string, number | boolean>> {
    return { beta1: this.beta1, beta2: this.beta2, eps: this.eps, decoupled: this.decoupled };
  }

  protected initState(param: Tensor): AdamState {
    return { m: zerosLike(param), v: zerosLike(param), t: 0 };
  }

  /**
   * Copies the gradient into the update kernel's memory and checks it there (see adamStageGradient
   * in core), so that {@link update} need not copy it again; in JavaScript where the moments are
   * not in a kernel's memory.
   */
  protected override gradientIsUsable(g: Float64Array, index: number): boolean {
    // A gradient sharing memory with a parameter (a .grad set to another parameter, say) changes
    // when that parameter is updated earlier in the step: a copy made now would be stale, so it is
    // checked where it is, and its update reads it then, as every other kernel does.
    if (this.sharesAParameter(g)) return super.gradientIsUsable(g, index);
    const slot = this.slots()[index]!;
    return adamStageGradient(g, slot.m, slot.v) ?? super.gradientIsUsable(g, index);
  }

  /** Whether `g` shares memory with any parameter's values; the buffers are compared first, as nearly every gradient has its own. */
  private sharesAParameter(g: Float64Array): boolean {
    const buffers = (this.parameterBuffers ??= new Set(this.params.map((p) => p.data.buffer)));
    if (!buffers.has(g.buffer)) return false;
    const [start, end] = [g.byteOffset, g.byteOffset + g.byteLength];
    return this.params.some(({ data: w }) => w.buffer === g.buffer && w.byteOffset < end && start < w.byteOffset + w.byteLength);
  }

  protected update(w: Float64Array, g: Float64Array, state: AdamState, lr: number, index: number): void {
    state.t += 1;
    const { m, v } = this.resident(state, index);
    // Staged by this step's check; core uses the copy only if it was made of this very array.
    const { beta1, beta2, eps, decoupled } = this;
    adamUpdate(w, g, m, v, adamCoefficients(state.t, lr, { beta1, beta2, eps, decoupled, weightDecay: this.weightDecayOf(index) }), true);
  }

  private slots(): AdamMoments[] {
    return (this.moments ??= adamMoments(this.params.map((p) => p.size)));
  }

  /**
   * The state's moment estimates, moved on their first update (and after loadStateDict replaced
   * them) into the storage {@link adamMoments} made for all the parameters at once, where the
   * update kernel runs fastest.
   */
  private resident(state: AdamState, index: number): AdamMoments {
    const slot = this.slots()[index]!;
    if (state.m.data !== slot.m) {
      slot.m.set(state.m.data);
      slot.v.set(state.v.data);
      state.m = new Tensor(slot.m, state.m.shape);
      state.v = new Tensor(slot.v, state.v.shape);
    }
    return slot;
  }
}

/**
 * AdamW: {@link Adam} with decoupled weight decay (`decoupled: true`) and, as in PyTorch, a default
 * weightDecay of 0.01.
 */
export class AdamW extends Adam {
  constructor(params: OptimizerParams, options: Omit<AdamOptions, 'decoupled'> = {}) {
    super(params, adamW(requireOptions('AdamW', options)), 'AdamW');
  }
}

/**
 * AdamW's options as Adam's: decoupled, with PyTorch's default weight decay. `decoupled: false`
 * contradicts the name and is refused rather than overridden.
 */
function adamW(options: Omit<AdamOptions, 'decoupled'>): AdamOptions {
  const { decoupled } = options as AdamOptions;
  if (decoupled !== undefined && decoupled !== true) {
    throw new ValueError(`AdamW: decoupled is always true (that is what AdamW is), got ${show(decoupled)}; use Adam for weight decay through the gradient`);
  }
  return { ...options, weightDecay: orDefault(options.weightDecay, 0.01), decoupled: true };
}
