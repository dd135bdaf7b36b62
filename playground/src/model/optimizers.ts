/** The optimizers the playground offers, by the names the course notes use. */
import { Adagrad, Adam, RMSprop, SGD, type Optimizer, type Tensor } from '@adjoint/nn';

export const OPTIMIZERS = {
  sgd: 'SGD',
  momentum: 'Momentum (0.9)',
  adagrad: 'Adagrad',
  rmsprop: 'RMSprop',
  adam: 'Adam',
} as const;
export type OptimizerName = keyof typeof OPTIMIZERS;

export function makeOptimizer(name: OptimizerName, params: Tensor[], lr: number): Optimizer {
  switch (name) {
    case 'sgd': return new SGD(params, { lr });
    case 'momentum': return new SGD(params, { lr, momentum: 0.9 });
    case 'adagrad': return new Adagrad(params, { lr });
    case 'rmsprop': return new RMSprop(params, { lr });
    case 'adam': return new Adam(params, { lr });
  }
}
