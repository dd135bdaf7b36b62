/**
 * A convolutional network on the demo's MNIST split (8,000 training digits, 2,000 test digits):
 * the same network and plots as `npm run demo -- --model cnn` (demo/cnn.ts), whose filters see
 * 5 × 5 patches of the image wherever they are, where a dense layer would have to learn each
 * stroke at every position separately.
 *
 *   npm run example -- cnn-mnist
 */
import path from 'node:path';
import { runDemo, type DemoResult } from '../demo/mnist';
import { context, type ExampleOptions } from './lib/common';

/** One line description for the example list. */
export const description = 'a convolutional network on MNIST (the demo with --model cnn); ends with the test accuracy';

/** Trains the demo's CNN; the last line printed is `test accuracy: 0.9xxx`. */
export function run(options: ExampleOptions = {}): DemoResult {
  const { quick, log, output } = context(options);
  const out = path.dirname(output('cnn-mnist/.'));
  return runDemo(
    { model: 'cnn', out, ...(quick ? { samples: 1000, epochs: 1 } : {}) },
    { log, progress: false, verbose: quick ? 0 : 2 },
  );
}
