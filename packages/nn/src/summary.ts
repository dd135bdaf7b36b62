/** summary: a model's layers, their output shapes and parameter counts, as a printable table. */
import { AdjointError, ShapeError, Tensor, ValueError, formatShape, noGrad, zeros } from '@adjoint/core';
import { Module, describe, walkModules, type AnyModule } from './module';
import { MAX_TENSOR_SIZE, show } from './args';
import { withMode } from './train/modes';

/** A row of the table: one module of the tree. */
interface Row {
  label: string;
  module: AnyModule;
  params: number;
}

/**
 * A table of the model's modules, one row per module in registration order (the model first,
 * each descendant indented under its parent and named by its dotted path and class), with the
 * number of parameter values each holds itself (a parameter shared by several modules counted at
 * its first), then the totals: all parameters, the trainable ones (`requiresGrad`), the others,
 * and the values in buffers (BatchNorm's and BatchNorm2d's running statistics), which are saved but not trained.
 *
 * With `inputShape` (the batch axis included, as given), the model is run once on zeros of that
 * shape, in evaluation mode and without recording a graph, and the table gains each module's
 * output shape (a recurrent layer's `[output, state]` as a list of shapes; a module called several
 * times shows each distinct shape and the number of calls; one not called, "not called"). The
 * model is left as it was: its training flags are restored and no statistic or random stream moves.
 *
 * @throws ValueError for a model that is not a Module (or whose tree has a cycle), or an inputShape
 * that is not a list of positive integers; the forward pass's own ShapeError or ValueError, naming
 * summary and the input shape, when the model cannot take such an input.
 *
 * @example
 * const model = new Sequential([new Conv2d(1, 4, 3, { padding: 1 }), new ReLU(), new Flatten(), new Dense(4 * 8 * 8, 10)]);
 * console.log(summary(model, [2, 1, 8, 8]));
 * // Layer (type)    Output shape   Param #
 * // ======================================
 * // Sequential      [2, 10]              0
 * //   0 (Conv2d)    [2, 4, 8, 8]        40
 * //   1 (ReLU)      [2, 4, 8, 8]         0
 * //   2 (Flatten)   [2, 256]             0
 * //   3 (Dense)     [2, 10]          2,570
 * // ======================================
 * // Input shape: [2, 1, 8, 8]
 * // Total params: 2,610
 * // Trainable params: 2,610
 * // Non-trainable params: 0
 */
export function summary(model: AnyModule, inputShape?: readonly number[]): string {
  const op = 'summary';
  if (!(model instanceof Module)) throw new ValueError(`${op}: model must be a Module, got ${describe(model)}`);
  if (inputShape !== undefined) checkInputShape(op, inputShape);

  // Parameter values per owning module: a parameter's dotted name less its last part is its owner's path.
  const perPath = new Map<string, number>();
  let total = 0;
  let trainable = 0;
  for (const [name, p] of Module.namedParametersFor(op, model)) {
    const owner = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : '';
    perPath.set(owner, (perPath.get(owner) ?? 0) + p.size);
    total += p.size;
    if (p.requiresGrad) trainable += p.size;
  }
  const buffers = model.namedBuffers().reduce((n, [, b]) => n + b.size, 0);

  const rows: Row[] = [];
  walkModules(op, model, { unique: true }, (path, module, depth) => {
    const label = depth === 0 ? module.constructor.name : `${'  '.repeat(depth)}${path} (${module.constructor.name})`;
    rows.push({ label, module, params: perPath.get(path) ?? 0 });
  });

  const shapes = inputShape === undefined ? null : outputShapes(op, model, rows.map((r) => r.module), inputShape);
  const header = shapes === null ? ['Layer (type)', 'Param #'] : ['Layer (type)', 'Output shape', 'Param #'];
  const body = rows.map((r) => (shapes === null ? [r.label, thousands(r.params)] : [r.label, shapes.get(r.module)!, thousands(r.params)]));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('   ').trimEnd();
  const rule = '='.repeat(widths.reduce((a, b) => a + b, 0) + 3 * (widths.length - 1));
  const out = [line(header), rule, ...body.map(line), rule];
  if (inputShape !== undefined) out.push(`Input shape: ${formatShape(inputShape)}`);
  out.push(`Total params: ${thousands(total)}`, `Trainable params: ${thousands(trainable)}`, `Non-trainable params: ${thousands(total - trainable)}`);
  if (buffers > 0) out.push(`Buffer values (saved, not trained): ${thousands(buffers)}`);
  return out.join('\n');
}

function checkInputShape(op: string, shape: unknown): void {
  const ok = Array.isArray(shape) && shape.length <= 64 && shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d > 0);
  if (!ok) throw new ValueError(`${op}: inputShape must be a list of positive integers (the batch axis first), got ${Array.isArray(shape) && shape.length <= 8 ? `[${shape.map(show).join(', ')}]` : show(shape)}`);
  const size = (shape as number[]).reduce((n, d) => n * d, 1);
  if (size > MAX_TENSOR_SIZE) throw new ValueError(`${op}: inputShape ${formatShape(shape as number[])} has ${size} elements, more than a tensor can hold`);
}

/**
 * Each module's output shapes in one forward pass of the model on zeros of `inputShape`: every
 * module's forward is wrapped, on the instance, by one that notes what it returns, and the
 * wrappers are removed afterwards (even when the pass throws).
 */
function outputShapes(op: string, model: AnyModule, modules: readonly AnyModule[], inputShape: readonly number[]): Map<AnyModule, string> {
  const seen = new Map<AnyModule, string[]>();
  const restore: Array<() => void> = [];
  try {
    for (const module of modules) {
      const own = Object.getOwnPropertyDescriptor(module, 'forward');
      const forward = module.forward;
      const calls: string[] = [];
      seen.set(module, calls);
      Object.defineProperty(module, 'forward', {
        configurable: true,
        writable: true,
        value: function (this: AnyModule, ...inputs: unknown[]) {
          const out: unknown = forward.apply(this, inputs);
          calls.push(shapeOf(out));
          return out;
        },
      });
      restore.push(() => (own === undefined ? delete (module as { forward?: unknown }).forward : Object.defineProperty(module, 'forward', own)));
    }
    const input = zeros(inputShape);
    try {
      withMode(model, false, () => noGrad(() => model.forward(input)));
    } catch (e) {
      const message = `${op}: the model cannot run on an input of shape ${formatShape(inputShape)}: ${(e as Error)?.message ?? String(e)}`;
      if (e instanceof ShapeError) throw new ShapeError(message);
      if (e instanceof AdjointError) throw new ValueError(message);
      throw e;
    }
  } finally {
    for (const undo of restore) undo();
  }
  const out = new Map<AnyModule, string>();
  for (const [module, calls] of seen) {
    const distinct = [...new Set(calls)];
    out.set(module, calls.length === 0 ? 'not called' : distinct.length === 1 && calls.length > 1 ? `${distinct[0]} (×${calls.length})` : distinct.join(' | '));
  }
  return out;
}

/**
 * A forward's result as shapes: a tensor's, or a list's (a recurrent layer's [output, state] as
 * "[2, 5, 8], ([2, 8], [2, 8])"); null as "null" (attention without its weights); anything else as "?".
 */
function shapeOf(value: unknown, depth = 0): string {
  if (value instanceof Tensor) return formatShape(value.shape);
  if (value === null) return 'null';
  if (Array.isArray(value) && depth < 4) {
    const inner = value.map((v) => shapeOf(v, depth + 1)).join(', ');
    return depth === 0 ? inner : `(${inner})`;
  }
  return '?';
}

/** 1234567 as "1,234,567", whatever the locale. */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
