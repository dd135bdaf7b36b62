/**
 * The vanishing-gradient story of the course notes (docs/course-notes.md), measured. A 10-layer
 * network is set up with different activations and weight initialisations, one batch is pushed
 * through it, and the norm of the loss gradient with respect to each layer's weights is recorded,
 * with the share of saturated units. Weights drawn from N(0, 1) (the pre-2010 practice) saturate
 * sigmoid and tanh units; even without saturation the sigmoid's derivative (at most 1/4) shrinks
 * the gradient at every layer, so the first layers barely learn. tanh with Glorot initialisation,
 * and ReLU and ELU with He initialisation, keep the gradient level.
 *
 *   npm run example -- activations
 */
import { Rng, randn, tensor, type Tensor } from '@adjoint/core';
import { crossEntropy, mlp, type ActivationName, type InitializerName } from '@adjoint/nn';
import { formatTable, lineChart, writeSvg } from '../tools/plot';
import { context, type ExampleOptions } from './lib/common';

/** One line description for the example list. */
export const description = 'gradient norm per layer of a 10-layer net: sigmoid/tanh/ReLU/ELU, normal vs Glorot/He init';

/** An activation with an initialisation, as compared here. */
export interface Setup {
  activation: ActivationName;
  init: InitializerName;
}

/** The set-ups compared: each activation with N(0, 1) weights and with the initialisation that suits it. */
export const SETUPS: Setup[] = [
  { activation: 'sigmoid', init: 'normal' },
  { activation: 'sigmoid', init: 'glorotNormal' },
  { activation: 'tanh', init: 'normal' },
  { activation: 'tanh', init: 'glorotNormal' },
  { activation: 'relu', init: 'heNormal' },
  { activation: 'elu', init: 'heNormal' },
];

/** The gradient norms of one set-up, first layer first. */
export interface LayerNorms extends Setup {
  name: string;
  norms: number[];
  /**
   * Fraction of hidden-unit outputs within 1 % of the activation's limits (0 and 1 for sigmoid,
   * ±1 for tanh), where its derivative is nearly 0; null for ReLU and ELU, which do not saturate
   * for positive inputs.
   */
  saturated: number | null;
}

/** What the example measured. */
export interface ActivationsResult {
  layers: number;
  results: LayerNorms[];
  plot: string;
}

/** Measures ‖∂loss/∂W‖ per layer for every set-up, on the same batch. */
export function run(options: ExampleOptions = {}): ActivationsResult {
  const { quick, log, output } = context(options);
  const layers = 10;
  const width = quick ? 32 : 64;
  const batch = quick ? 64 : 256;
  const classes = 10;
  // One batch of standardised inputs with random labels: the question is how gradients flow at the
  // start of training, before anything has been learned.
  const x = randn([batch, width], { seed: 1 });
  const rng = new Rng(2);
  const y = tensor(Array.from({ length: batch }, () => rng.int(0, classes)));
  const sizes = [width, ...Array<number>(layers - 1).fill(width), classes];

  const results = SETUPS.map((setup): LayerNorms => {
    const model = mlp(sizes, { activation: setup.activation, init: setup.init, seed: 3 });
    // Layer by layer, so that the hidden outputs can be inspected on the way.
    const hidden: Tensor[] = [];
    let h = x;
    for (const layer of model.layers) hidden.push((h = layer.forward(h)));
    crossEntropy(h, y).backward();
    const norms = model.namedParameters().filter(([name]) => name.endsWith('weight')).map(([, w]) => w.grad!.norm().item());
    const name = `${setup.activation}, ${setup.init === 'normal' ? 'N(0, 1)' : setup.init}`;
    return { ...setup, name, norms, saturated: saturation(setup.activation, hidden.slice(0, -1)) };
  });

  log(`‖∂loss/∂W‖ per layer of a ${layers}-layer network (${width} units wide), at initialisation:\n`);
  log(formatTable(
    ['activation, init', ...results[0]!.norms.map((_, i) => `layer ${i + 1}`), 'first/last', 'saturated'],
    results.map((r) => [
      r.name, ...r.norms.map((v) => v.toExponential(1)), (r.norms[0]! / r.norms.at(-1)!).toExponential(1),
      r.saturated === null ? '—' : `${Math.round(100 * r.saturated)} %`,
    ]),
    ['left'],
  ));
  log(`
With N(0, 1) weights each unit sums ${width} inputs with weights of variance 1, so its input is large:
many sigmoid and tanh units saturate (last column), where their derivative is almost 0, and the
gradient goes astray — shrinking on the way down through sigmoid layers, exploding through tanh. Glorot initialisation keeps the
units out of saturation, but the sigmoid's derivative is at most 1/4, so every sigmoid layer still
divides the gradient by about 4: the first layer gets a millionth of what the last gets. tanh
(derivative 1 at 0) with Glorot, and ReLU and ELU (derivative 1 for positive inputs) with He
initialisation, pass the gradient down at a steady size.`);
  const plot = writeSvg(output('activations-gradient-norms.svg'), lineChart(
    results.map((r) => ({ name: r.name, y: r.norms, dashed: r.init === 'normal' })),
    { xLabel: 'layer (1 = next to the input)', yLabel: '‖∂loss/∂W‖', title: 'Gradient norm per layer at initialisation', logY: true, width: 760 },
  ));
  log(`Wrote ${plot}`);
  return { layers, results, plot };
}

/** The fraction of saturated outputs over the hidden layers (see {@link LayerNorms.saturated}). */
function saturation(activation: ActivationName, outputs: readonly Tensor[]): number | null {
  const limits = activation === 'sigmoid' ? [0, 1] : activation === 'tanh' ? [-1, 1] : null;
  if (limits === null) return null;
  const margin = 0.01 * (limits[1]! - limits[0]!);
  let saturated = 0;
  let total = 0;
  for (const t of outputs) {
    for (const v of t.data) if (v < limits[0]! + margin || v > limits[1]! - margin) saturated++;
    total += t.size;
  }
  return saturated / total;
}

if (require.main === module) run();
