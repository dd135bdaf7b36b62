/**
 * The demo's convolutional network (`npm run demo -- --model cnn`, and `npm run example --
 * cnn-mnist`): two convolution–ReLU–max-pool stages that learn local strokes and then their
 * combinations, then a hidden dense layer of 128 units from the 16 feature maps of 7 × 7, and
 * the ten digits.
 */
import { Conv2d, Dense, Flatten, MaxPool2d, ReLU, Sequential } from '@adjoint/nn';
import { SIDE } from './data';

/** Feature maps of the two convolution stages. */
const CHANNELS = [8, 16] as const;
/** Units of the hidden dense layer that combines the feature maps. */
const HIDDEN = 128;

/**
 * [n, 1, 28, 28] digits → [n, 10] logits: conv 5×5 (padding 2, so 28 × 28 stays) · relu · 2×2 max
 * pool, twice, then flatten, dense 784 → 128 · relu, dense 128 → 10. About 105,000 parameters,
 * half the MLP's, nearly all of them in the first dense layer.
 */
export function cnnClassifier(seed: number): Sequential {
  const [c1, c2] = CHANNELS;
  const side = SIDE / 4; // two 2×2 pools
  return new Sequential([
    new Conv2d(1, c1, 5, { padding: 2, seed }),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(c1, c2, 5, { padding: 2, seed: seed + 1 }),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Dense(c2 * side * side, HIDDEN, { activation: 'relu', seed: seed + 2 }),
    new Dense(HIDDEN, 10, { seed: seed + 3 }),
  ]);
}
