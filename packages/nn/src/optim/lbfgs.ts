/**
 * L-BFGS (Liu & Nocedal 1989), PyTorch's torch.optim.LBFGS: a quasi-Newton method that builds an
 * approximate inverse Hessian from the last `historySize` steps and gradients, over all the
 * parameters as one vector. Each {@link LBFGS.step} runs up to `maxIter` iterations, re-evaluating
 * the loss through a closure, with a fixed step or a line search satisfying the strong Wolfe
 * conditions. It suits smooth, deterministic, full-batch problems (fitting a model to data, a
 * physics-informed network), not noisy minibatches.
 */
import { Tensor, ValueError, assign, borrowGrad, isTensor } from '@adjoint/core';
import type { AnyModule } from '../module';
import { checkKnownOptions, checkOption, parameterListFor } from './optimizer';
import { finiteNumber, oneOf, orDefault, positiveSize, show } from '../args';

/** Options of {@link LBFGS}, PyTorch's under camelCase names. */
export interface LBFGSOptions {
  /** The step length η: each iteration moves η·d, or starts its line search there (default 1). */
  lr?: number;
  /** The most iterations one step runs (default 20). */
  maxIter?: number;
  /** The most loss evaluations one step makes (default ⌊maxIter·5/4⌋). */
  maxEval?: number;
  /** A step ends when every gradient element is at most this in magnitude (default 1e-7). */
  toleranceGrad?: number;
  /** A step ends when the loss or the parameters change by less than this (default 1e-9). */
  toleranceChange?: number;
  /** How many past steps the inverse Hessian is built from (default 100). */
  historySize?: number;
  /** `'strongWolfe'` for a line search satisfying the strong Wolfe conditions (PyTorch's 'strong_wolfe'); null (default) for the fixed step lr. */
  lineSearch?: 'strongWolfe' | null;
}

/** What {@link LBFGS.stateDict} returns: plain numbers and arrays (PyTorch's LBFGS state, under camelCase names). */
export interface LBFGSStateDict {
  funcEvals: number;
  nIter: number;
  /** The last direction, or null before the first iteration. */
  d: number[] | null;
  /** The last step length. */
  t: number;
  /** The history's gradient changes y, oldest first. */
  oldDirs: number[][];
  /** The history's steps s, oldest first. */
  oldSteps: number[][];
  /** 1/(y·s) of each history entry. */
  ro: number[];
  /** The scale of the initial inverse Hessian. */
  hDiag: number;
  prevFlatGrad: number[] | null;
  prevLoss: number;
  /** The settings the state was made under: a loaded state must come from the same historySize and lineSearch. */
  settings: { lr: number; historySize: number; lineSearch: 'strongWolfe' | null };
}

/** A loss and its gradient along the flattened parameters. */
interface Evaluation {
  loss: number;
  grad: Float64Array;
}

/** What the optimizer carries from one step to the next (PyTorch's state of its first parameter). */
interface LBFGSState {
  funcEvals: number;
  nIter: number;
  d: Float64Array | null;
  t: number;
  oldDirs: Float64Array[];
  oldSteps: Float64Array[];
  ro: number[];
  hDiag: number;
  prevFlatGrad: Float64Array | null;
  prevLoss: number;
}

const OPTIONS = ['lr', 'maxIter', 'maxEval', 'toleranceGrad', 'toleranceChange', 'historySize', 'lineSearch'];

const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
const maxAbs = (a: Float64Array): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
};

/**
 * L-BFGS, as PyTorch's `torch.optim.LBFGS`: the same iterations, step lengths, line search and
 * stopping rules, so a run follows PyTorch's (the agreement tests compare them). Unlike the other
 * optimizers, `step` takes a closure that clears the gradients, computes the loss, calls
 * `backward` and returns the loss, because one step evaluates the loss several times:
 *
 * @example
 * const opt = new LBFGS(model, { lineSearch: 'strongWolfe' });
 * for (let i = 0; i < 10; i++) {
 *   opt.step(() => {
 *     opt.zeroGrad();
 *     const loss = mse(model.forward(x), y);
 *     loss.backward();
 *     return loss;
 *   });
 * }
 *
 * It keeps `historySize` + 1 vectors as long as all the parameters together. There are no
 * parameter groups, weight decay or schedules (as in PyTorch), and `fit` cannot drive it: write
 * the loop.
 */
export class LBFGS {
  /** The parameters, in the order given (duplicates removed); the flattened vector is theirs one after another. */
  readonly params: readonly Tensor[];
  /** The step length η (may be reassigned). */
  lr: number;
  /** The most iterations one step runs. */
  readonly maxIter: number;
  /** The most loss evaluations one step makes. */
  readonly maxEval: number;
  /** A step ends when every gradient element is at most this in magnitude. */
  readonly toleranceGrad: number;
  /** A step ends when the loss or the parameters change by less than this. */
  readonly toleranceChange: number;
  /** How many past steps the inverse Hessian is built from. */
  readonly historySize: number;
  /** The line search: 'strongWolfe', or null for the fixed step lr. */
  readonly lineSearch: 'strongWolfe' | null;
  private readonly size: number;
  private readonly state: LBFGSState = { funcEvals: 0, nIter: 0, d: null, t: 0, oldDirs: [], oldSteps: [], ro: [], hDiag: 1, prevFlatGrad: null, prevLoss: 0 };

  /**
   * @throws ValueError naming LBFGS for an empty or bad parameter list, or a bad or unknown option.
   */
  constructor(params: readonly Tensor[] | AnyModule, options: LBFGSOptions = {}) {
    const op = 'LBFGS';
    options = checkKnownOptions(op, options, OPTIONS);
    this.params = parameterListFor(op, params);
    this.size = this.params.reduce((n, p) => n + p.size, 0);
    this.lr = checkOption(op, 'lr', finiteNumber(op, 'lr', orDefault(options.lr, 1)));
    this.maxIter = positiveSize(op, 'maxIter', orDefault(options.maxIter, 20));
    this.maxEval = positiveSize(op, 'maxEval', orDefault(options.maxEval, Math.floor((this.maxIter * 5) / 4)));
    this.toleranceGrad = checkOption(op, 'toleranceGrad', orDefault(options.toleranceGrad, 1e-7));
    this.toleranceChange = checkOption(op, 'toleranceChange', orDefault(options.toleranceChange, 1e-9));
    this.historySize = positiveSize(op, 'historySize', orDefault(options.historySize, 100));
    const search = orDefault<unknown>(options.lineSearch, null);
    this.lineSearch = search === null ? null : oneOf(op, 'lineSearch', search, ['strongWolfe']);
  }

  /** Loss evaluations so far, over all steps. */
  get funcEvals(): number {
    return this.state.funcEvals;
  }

  /** Iterations so far, over all steps. */
  get iterations(): number {
    return this.state.nIter;
  }

  /**
   * A snapshot of what the next step builds on — the counts, the last direction and step length,
   * the curvature history, the last gradient and loss — as plain numbers and arrays that JSON
   * carries, with the settings they were made under, for {@link loadStateDict}.
   */
  stateDict(): LBFGSStateDict {
    const s = this.state;
    const list = (a: Float64Array | null): number[] | null => (a === null ? null : Array.from(a));
    return {
      funcEvals: s.funcEvals, nIter: s.nIter, d: list(s.d), t: s.t,
      oldDirs: s.oldDirs.map((v) => Array.from(v)), oldSteps: s.oldSteps.map((v) => Array.from(v)), ro: [...s.ro],
      hDiag: s.hDiag, prevFlatGrad: list(s.prevFlatGrad), prevLoss: s.prevLoss,
      settings: { lr: this.lr, historySize: this.historySize, lineSearch: this.lineSearch },
    };
  }

  /**
   * Restores a snapshot from {@link stateDict} (also through JSON) into an LBFGS over parameters of
   * the same total size, built with the same historySize and lineSearch, so that the next step is
   * the one the saved optimizer would take. The snapshot's lr replaces this one's. Everything is
   * checked before anything changes.
   * @throws ValueError naming LBFGS.loadStateDict for anything malformed: a vector of another
   * length than the parameters', a history longer than historySize or of unequal lists, a count
   * that is not a whole number, a value that is not finite, or other settings.
   */
  loadStateDict(dict: LBFGSStateDict): void {
    const op = 'LBFGS.loadStateDict';
    if (dict === null || typeof dict !== 'object') throw new ValueError(`${op}: expected what stateDict() returns, got ${show(dict)}`);
    const count = (key: keyof LBFGSStateDict): number => {
      const v = dict[key];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ValueError(`${op}: '${key}' must be a whole number ≥ 0, got ${show(v)}`);
      return v;
    };
    const finite = (key: string, v: unknown): number => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError(`${op}: '${key}' must be a finite number, got ${show(v)}`);
      return v;
    };
    const vector = (key: string, v: unknown): Float64Array => {
      if (!Array.isArray(v) || v.length !== this.size) throw new ValueError(`${op}: '${key}' must be a list of ${this.size} numbers (the parameters' size), got ${show(v)}`);
      return Float64Array.from(v, (x, i) => finite(`${key}[${i}]`, x));
    };
    const settings = dict.settings as Partial<LBFGSStateDict['settings']> | undefined;
    if (settings === null || typeof settings !== 'object') throw new ValueError(`${op}: 'settings' must be an object {lr, historySize, lineSearch}, got ${show(settings)}`);
    for (const key of ['historySize', 'lineSearch'] as const) {
      if (settings[key] !== this[key]) throw new ValueError(`${op}: the state was saved with ${key} ${show(settings[key])}, this optimizer's is ${show(this[key])}; build it with the saved one`);
    }
    const lr = checkOption(op, 'lr', finite('settings.lr', settings.lr));
    const lists = ['oldDirs', 'oldSteps', 'ro'].map((key) => {
      const v = dict[key as 'ro'];
      if (!Array.isArray(v) || v.length > this.historySize) throw new ValueError(`${op}: '${key}' must be a list of at most ${this.historySize} entries (historySize), got ${show(v)}`);
      return v as unknown[];
    });
    if (lists[0]!.length !== lists[1]!.length || lists[0]!.length !== lists[2]!.length) {
      throw new ValueError(`${op}: 'oldDirs', 'oldSteps' and 'ro' must be as long as each other, got ${lists.map((l) => l.length).join(', ')}`);
    }
    const restored: LBFGSState = {
      funcEvals: count('funcEvals'),
      nIter: count('nIter'),
      d: dict.d === null ? null : vector('d', dict.d),
      t: finite('t', dict.t),
      oldDirs: lists[0]!.map((v, i) => vector(`oldDirs[${i}]`, v)),
      oldSteps: lists[1]!.map((v, i) => vector(`oldSteps[${i}]`, v)),
      ro: lists[2]!.map((v, i) => finite(`ro[${i}]`, v)),
      hDiag: finite('hDiag', dict.hDiag),
      prevFlatGrad: dict.prevFlatGrad === null ? null : vector('prevFlatGrad', dict.prevFlatGrad),
      prevLoss: finite('prevLoss', dict.prevLoss),
    };
    if (restored.nIter > 0 && (restored.d === null || restored.prevFlatGrad === null)) {
      throw new ValueError(`${op}: a state after ${restored.nIter} iterations needs 'd' and 'prevFlatGrad', got null`);
    }
    Object.assign(this.state, restored);
    this.lr = lr;
  }

  /** Sets every parameter's gradient to null, as the other optimizers' zeroGrad. */
  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  /**
   * Runs up to `maxIter` iterations of L-BFGS, calling `closure` for the loss and gradients at
   * each point it tries; returns the loss the first call returned (at the parameters before the
   * step), as PyTorch does.
   * @throws ValueError when the closure returns something other than a number or a one-element
   * tensor, or leaves a gradient of another shape than its parameter, or a loss or gradient that
   * is not finite, or an lr (reassigned since) outside [0, ∞). When the closure throws
   * or is refused, the iteration it was called in is undone (parameters and state), earlier
   * iterations of the step stay, and the next step goes on as if this one had stopped there.
   */
  step<L extends Tensor | number>(closure: () => L): L {
    const op = 'LBFGS.step';
    if (typeof closure !== 'function') throw new ValueError(`${op}: needs a closure that clears the gradients, computes the loss, calls backward and returns the loss, got ${show(closure)}`);
    checkOption(op, 'lr', this.lr);
    const s = this.state;
    const first = closure();
    let { loss, grad } = this.evaluation(first);
    let currentEvals = 1;
    s.funcEvals += 1;
    if (maxAbs(grad) <= this.toleranceGrad) return first;

    let d = s.d;
    let t = s.t;
    for (let iter = 1; iter <= this.maxIter; iter++) {
      // What an iteration changes, put back if an evaluation throws: the step then ends as if it had
      // stopped after its last whole iteration, so that the next step pairs that iteration's move
      // with the gradient's change over it (and a first iteration that failed is made again).
      const saved = { nIter: s.nIter, prevFlatGrad: s.prevFlatGrad, prevLoss: s.prevLoss, oldDirs: [...s.oldDirs], oldSteps: [...s.oldSteps], ro: [...s.ro], hDiag: s.hDiag };
      const [savedD, savedT] = [d, t];
      const start = this.params.map((p) => Float64Array.from(p.data));
      let evals = 0;
      try {
        s.nIter += 1;
        d = s.nIter === 1 ? this.firstDirection(grad) : this.direction(grad, d!, t);
        s.prevFlatGrad = grad; // each evaluation makes a new array, and nothing writes into one
        s.prevLoss = loss;
        // The first iteration ever starts with a step no longer than 1 in the gradient's 1-norm.
        t = s.nIter === 1 ? Math.min(1, 1 / grad.reduce((a, v) => a + Math.abs(v), 0)) * this.lr : this.lr;
        const gtd = dot(grad, d);
        if (gtd > -this.toleranceChange) break; // not a descent direction, or too shallow to matter

        if (this.lineSearch === 'strongWolfe') {
          const probe = (step: number): Evaluation => {
            this.move(step, d!);
            try {
              return this.evaluation(closure());
            } finally {
              this.restore(start); // a refused evaluation must not leave the parameters at a trial point
            }
          };
          const found = strongWolfe(probe, t, d, loss, grad, gtd);
          ({ loss, grad, t } = found);
          evals = found.evals;
          this.move(t, d);
        } else {
          this.move(t, d);
          // PyTorch does not evaluate after the last iteration: in a stochastic setting it would be wasted.
          if (iter !== this.maxIter) {
            ({ loss, grad } = this.evaluation(closure()));
            evals = 1;
          }
        }
      } catch (error) {
        this.restore(start);
        Object.assign(s, saved, { d: savedD, t: savedT });
        throw error;
      }
      currentEvals += evals;
      s.funcEvals += evals;

      if (iter === this.maxIter || currentEvals >= this.maxEval) break;
      if (maxAbs(grad) <= this.toleranceGrad) break;
      if (maxAbs(d) * Math.abs(t) <= this.toleranceChange) break;
      if (Math.abs(loss - s.prevLoss) < this.toleranceChange) break;
    }
    s.d = d;
    s.t = t;
    return first;
  }

  /** The steepest descent direction, and a fresh history: the first iteration. */
  private firstDirection(grad: Float64Array): Float64Array {
    Object.assign(this.state, { oldDirs: [], oldSteps: [], ro: [], hDiag: 1 });
    return grad.map((v) => -v);
  }

  /**
   * The L-BFGS direction −H·g by the two-loop recursion, after adding the last step s = t·d and
   * gradient change y to the history when their curvature y·s is positive (> 1e-10, PyTorch's).
   */
  private direction(grad: Float64Array, d: Float64Array, t: number): Float64Array {
    const st = this.state;
    const prev = st.prevFlatGrad!;
    const y = grad.map((v, i) => v - prev[i]!);
    const s = d.map((v) => v * t);
    const ys = dot(y, s);
    if (ys > 1e-10) {
      if (st.oldDirs.length === this.historySize) {
        st.oldDirs.shift();
        st.oldSteps.shift();
        st.ro.shift();
      }
      st.oldDirs.push(y);
      st.oldSteps.push(s);
      st.ro.push(1 / ys);
      st.hDiag = ys / dot(y, y);
    }
    const n = st.oldDirs.length;
    const al = new Array<number>(n);
    const q = grad.map((v) => -v);
    for (let i = n - 1; i >= 0; i--) {
      al[i] = dot(st.oldSteps[i]!, q) * st.ro[i]!;
      const dir = st.oldDirs[i]!;
      for (let k = 0; k < q.length; k++) q[k]! += dir[k]! * -al[i]!;
    }
    const r = q.map((v) => v * st.hDiag);
    for (let i = 0; i < n; i++) {
      const be = dot(st.oldDirs[i]!, r) * st.ro[i]!;
      const step = st.oldSteps[i]!;
      for (let k = 0; k < r.length; k++) r[k]! += step[k]! * (al[i]! - be);
    }
    return r;
  }

  /** The loss a closure returned and the gradients it left, flattened (0 for a parameter without one). */
  private evaluation(result: unknown): Evaluation {
    const op = 'LBFGS.step';
    const loss = isTensor(result) ? (result.size === 1 ? result.data[0]! : NaN) : typeof result === 'number' ? result : NaN;
    if (!Number.isFinite(loss)) {
      throw new ValueError(`${op}: the closure must return the loss, a finite number or a one-element tensor, got ${isTensor(result) ? `a tensor of shape [${result.shape.join(', ')}]${result.size === 1 ? ` holding ${result.data[0]}` : ''}` : show(result)}`);
    }
    const grad = new Float64Array(this.size);
    let offset = 0;
    this.params.forEach((p, i) => {
      const g = borrowGrad(p);
      if (g !== null) {
        if (g.size !== p.size) throw new ValueError(`${op}: the gradient of parameter ${i} has shape [${g.shape.join(', ')}], the parameter [${p.shape.join(', ')}]`);
        const data = g.data;
        for (let k = 0; k < data.length; k++) {
          if (!Number.isFinite(data[k]!)) throw new ValueError(`${op}: the gradient of parameter ${i} holds ${data[k]} at element ${k}; L-BFGS needs a finite gradient at every point it tries`);
        }
        grad.set(data, offset);
      }
      offset += p.size;
    });
    return { loss, grad };
  }

  /** w ← w + t·d over the flattened parameters, through assign (so graphs that recorded the old values refuse to run backward). */
  private move(t: number, d: Float64Array): void {
    let offset = 0;
    for (const p of this.params) {
      const from = offset;
      assign(p, (w) => {
        for (let k = 0; k < w.length; k++) w[k]! += t * d[from + k]!;
      });
      offset += p.size;
    }
  }

  /** Puts the parameters back to `values` (a line search's starting point). */
  private restore(values: readonly Float64Array[]): void {
    this.params.forEach((p, i) => assign(p, (w) => w.set(values[i]!)));
  }
}

/**
 * The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, kept within
 * `bounds` (default the interval between the points); their midpoint when the cubic has none.
 */
function cubicMinimum(x1: number, f1: number, g1: number, x2: number, f2: number, g2: number, bounds?: [number, number]): number {
  const [lo, hi] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const squared = d1 * d1 - g1 * g2;
  if (!(squared >= 0)) return (lo + hi) / 2;
  const d2 = Math.sqrt(squared);
  const at = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2)) : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
  return Math.min(Math.max(at, lo), hi);
}

/** One end of a line search's bracket: a step length, the loss there, its gradient and slope along d. */
interface Point {
  t: number;
  f: number;
  g: Float64Array;
  gtd: number;
}

/**
 * A step length along d satisfying the strong Wolfe conditions (sufficient decrease c1 = 1e-4,
 * curvature c2 = 0.9), by bracketing then zooming with cubic interpolation, at most 25 evaluations:
 * PyTorch's _strong_wolfe (from minFunc), step for step. `probe(t)` evaluates the loss and gradient
 * at the parameters moved t·d.
 */
function strongWolfe(probe: (t: number) => Evaluation, t0: number, d: Float64Array, f: number, g: Float64Array, gtd: number): { loss: number; grad: Float64Array; t: number; evals: number } {
  const [c1, c2, toleranceChange, maxSteps] = [1e-4, 0.9, 1e-9, 25];
  const dNorm = maxAbs(d);
  let t = t0;
  let at = probe(t);
  let evals = 1;
  let slope = dot(at.grad, d);
  let previous: Point = { t: 0, f, g, gtd };
  let bracket: Point[] | null = null;
  let done = false;
  let step = 0;
  // Bracket an interval holding a point that satisfies the conditions.
  while (step < maxSteps) {
    const here: Point = { t, f: at.loss, g: at.grad, gtd: slope };
    if (at.loss > f + c1 * t * gtd || (step > 1 && at.loss >= previous.f)) {
      bracket = [previous, here];
      break;
    }
    if (Math.abs(slope) <= -c2 * gtd) {
      bracket = [here];
      done = true;
      break;
    }
    if (slope >= 0) {
      bracket = [previous, here];
      break;
    }
    const next = cubicMinimum(previous.t, previous.f, previous.gtd, t, at.loss, slope, [t + 0.01 * (t - previous.t), t * 10]);
    previous = here;
    t = next;
    at = probe(t);
    evals++;
    slope = dot(at.grad, d);
    step++;
  }
  if (step === maxSteps) bracket = [{ t: 0, f, g, gtd }, { t, f: at.loss, g: at.grad, gtd: slope }];
  const b = bracket!;
  // Zoom: shrink the bracket until a point in it satisfies the conditions.
  let low = b.length === 1 || b[0]!.f <= b[b.length - 1]!.f ? 0 : 1;
  let high = 1 - low;
  let insufficientProgress = false;
  while (!done && step < maxSteps) {
    if (Math.abs(b[1]!.t - b[0]!.t) * dNorm < toleranceChange) break;
    t = cubicMinimum(b[0]!.t, b[0]!.f, b[0]!.gtd, b[1]!.t, b[1]!.f, b[1]!.gtd);
    const [lo, hi] = [Math.min(b[0]!.t, b[1]!.t), Math.max(b[0]!.t, b[1]!.t)];
    const eps = 0.1 * (hi - lo);
    if (Math.min(hi - t, t - lo) < eps) {
      // Too close to an end: after a second time, or at an end, move a tenth of the bracket inside.
      if (insufficientProgress || t >= hi || t <= lo) {
        t = Math.abs(t - hi) < Math.abs(t - lo) ? hi - eps : lo + eps;
        insufficientProgress = false;
      } else insufficientProgress = true;
    } else insufficientProgress = false;
    at = probe(t);
    evals++;
    slope = dot(at.grad, d);
    step++;
    const here: Point = { t, f: at.loss, g: at.grad, gtd: slope };
    if (at.loss > f + c1 * t * gtd || at.loss >= b[low]!.f) {
      b[high] = here;
      [low, high] = b[0]!.f <= b[1]!.f ? [0, 1] : [1, 0];
    } else {
      if (Math.abs(slope) <= -c2 * gtd) done = true;
      else if (slope * (b[high]!.t - b[low]!.t) >= 0) b[high] = b[low]!;
      b[low] = here;
    }
  }
  const best = b[low]!;
  return { loss: best.f, grad: best.g, t: best.t, evals };
}
