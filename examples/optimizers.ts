/**
 * The optimizers of the course notes (docs/course-notes.md) on one problem: plain stochastic
 * gradient descent, SGD with momentum, Adagrad, RMSprop and Adam train the same network (same
 * initial weights, same batches) on the regression problem f(x0, x1) = x0² + 3·x0·x1 + x1² + 5.
 * Each runs at a learning rate typical for it; the loss curves share one plot.
 *
 *   npm run example -- optimizers
 */
import { Adagrad, Adam, RMSprop, SGD, StandardScaler, fit, mlp, type Module, type Optimizer } from '@adjoint/nn';
import { formatTable, lineChart, writeSvg } from '../tools/plot';
import { context, num, type ExampleOptions } from './lib/common';
import { samples } from './regression';

/** One line description for the example list. */
export const description = 'SGD, momentum, Adagrad, RMSprop and Adam on the same problem, loss curves in one SVG';

/** An optimizer as compared here: a label and how to build it over a model's parameters. */
interface Contender {
  name: string;
  make: (model: Module) => Optimizer;
}

const CONTENDERS: Contender[] = [
  { name: 'SGD (η = 0.05)', make: (m) => new SGD(m.parameters(), { lr: 0.05 }) },
  { name: 'SGD + momentum 0.9 (η = 0.05)', make: (m) => new SGD(m.parameters(), { lr: 0.05, momentum: 0.9 }) },
  { name: 'Adagrad (η = 0.05)', make: (m) => new Adagrad(m.parameters(), { lr: 0.05 }) },
  { name: 'RMSprop (η = 0.005)', make: (m) => new RMSprop(m.parameters(), { lr: 0.005 }) },
  { name: 'Adam (η = 0.005)', make: (m) => new Adam(m.parameters(), { lr: 0.005 }) },
];

/** One optimizer's run. */
export interface OptimizerRun {
  name: string;
  /** Training loss per epoch. */
  loss: number[];
  finalLoss: number;
  finalValLoss: number;
}

/** What the example found. */
export interface OptimizersResult {
  runs: OptimizerRun[];
  plot: string;
}

/** Trains one network per optimizer from identical starting points and compares the curves. */
export function run(options: ExampleOptions = {}): OptimizersResult {
  const { quick, log, output } = context(options);
  const { x, y } = samples(quick ? 256 : 512, 4);
  const ys = new StandardScaler().fitTransform(y);
  const epochs = quick ? 30 : 100;
  const runs = CONTENDERS.map((c): OptimizerRun => {
    // The same seed gives every optimizer the same initial weights and the same batches.
    const model = mlp([2, 16, 16, 1], { activation: 'tanh', seed: 5 });
    const history = fit(model, {
      x, y: ys, loss: 'mse', optimizer: c.make(model), epochs, batchSize: 32, seed: 5, validationSplit: 0.2, progress: false,
    });
    return { name: c.name, loss: history.loss, finalLoss: history.loss.at(-1)!, finalValLoss: history.valLoss.at(-1)! };
  });
  log(`Training loss (MSE of standardised targets) after ${epochs} epochs of minibatches of 32:\n`);
  log(formatTable(['optimizer', 'after 1 epoch', `after ${Math.round(epochs / 5)}`, `after ${epochs}`, 'validation'],
    runs.map((r) => [r.name, num(r.loss[0]!), num(r.loss[Math.round(epochs / 5) - 1]!), num(r.finalLoss), num(r.finalValLoss)]), ['left']));
  const ranked = [...runs].sort((a, b) => a.finalLoss - b.finalLoss);
  log(`\nLowest training loss after ${epochs} epochs: ${ranked[0]!.name}; highest: ${ranked.at(-1)!.name}.`);
  log('Momentum adds up past gradients, so steps grow along directions that keep agreeing; Adagrad,');
  log('RMSprop and Adam divide each weight\'s step by the size of its own recent gradients. At a constant');
  log('learning rate the curves stay noisy near the end: each minibatch gradient is only an estimate.');
  const plot = writeSvg(output('optimizers-loss.svg'), lineChart(
    runs.map((r) => ({ name: r.name, y: r.loss })),
    { xLabel: 'epoch', yLabel: 'training MSE', title: 'Five optimizers, one problem', logY: true, width: 800 },
  ));
  log(`Wrote ${plot}`);
  return { runs, plot };
}

if (require.main === module) run();
