import { ShapeError, Tensor, ValueError, tensor } from '@adjoint/core';
import { summary } from './summary';
import { Module } from './module';
import { BatchNorm, BatchNorm2d, Conv2d, Dense, Dropout, Embedding, Flatten, LSTM, LayerNorm, ReLU, Residual, Sequential } from './layers/index';
import { expectError } from './testing/errors';

const cnn = (): Sequential => new Sequential([new Conv2d(1, 4, 3, { padding: 1, seed: 1 }), new ReLU(), new Flatten(), new Dense(4 * 8 * 8, 10, { seed: 2 })]);

describe('summary', () => {
  test('with an input shape: each layer, its output shape and parameter count, and the totals', () => {
    expect(summary(cnn(), [2, 1, 8, 8])).toBe(
      [
        'Layer (type)    Output shape   Param #',
        '======================================',
        'Sequential      [2, 10]              0',
        '  0 (Conv2d)    [2, 4, 8, 8]        40',
        '  1 (ReLU)      [2, 4, 8, 8]         0',
        '  2 (Flatten)   [2, 256]             0',
        '  3 (Dense)     [2, 10]          2,570',
        '======================================',
        'Input shape: [2, 1, 8, 8]',
        'Total params: 2,610',
        'Trainable params: 2,610',
        'Non-trainable params: 0',
      ].join('\n'),
    );
  });

  test('without one: no shapes; nested modules indented under their dotted paths; buffers counted apart', () => {
    const model = new Sequential([new Dense(3, 4, { seed: 1 }), new BatchNorm(4), new Residual(new Sequential([new Dense(4, 4, { activation: new ReLU(), seed: 2 })]))]);
    expect(summary(model)).toBe(
      [
        'Layer (type)                           Param #',
        '==============================================',
        'Sequential                                   0',
        '  0 (Dense)                                 16',
        '  1 (BatchNorm)                              8',
        '  2 (Residual)                               0',
        '    2.module (Sequential)                    0',
        '      2.module.0 (Dense)                    20',
        '        2.module.0.activation (ReLU)         0',
        '==============================================',
        'Total params: 44',
        'Trainable params: 44',
        'Non-trainable params: 0',
        'Buffer values (saved, not trained): 8',
      ].join('\n'),
    );
  });

  test('BatchNorm2d and LayerNorm: their parameters (C + C; normalizedShape twice, none without affine) and running statistics as buffers; a batch of one runs, in evaluation', () => {
    const model = new Sequential([
      new Conv2d(1, 4, 3, { padding: 1, seed: 1 }), new BatchNorm2d(4), new ReLU(), new LayerNorm([8, 8]), new Flatten(), new LayerNorm(256, { elementwiseAffine: false }), new Dense(256, 10, { seed: 2 }),
    ]);
    const before = model.stateDict();
    expect(summary(model, [1, 1, 8, 8])).toBe(
      [
        'Layer (type)        Output shape   Param #',
        '==========================================',
        'Sequential          [1, 10]              0',
        '  0 (Conv2d)        [1, 4, 8, 8]        40',
        '  1 (BatchNorm2d)   [1, 4, 8, 8]         8',
        '  2 (ReLU)          [1, 4, 8, 8]         0',
        '  3 (LayerNorm)     [1, 4, 8, 8]       128',
        '  4 (Flatten)       [1, 256]             0',
        '  5 (LayerNorm)     [1, 256]             0',
        '  6 (Dense)         [1, 10]          2,570',
        '==========================================',
        'Input shape: [1, 1, 8, 8]',
        'Total params: 2,746',
        'Trainable params: 2,746',
        'Non-trainable params: 0',
        'Buffer values (saved, not trained): 8',
      ].join('\n'),
    );
    for (const [key, t] of Object.entries(model.stateDict())) expect(Array.from(t.data)).toEqual(Array.from(before[key]!.data));
    expect(model.training).toBe(true);
  });

  test("a recurrent layer's [output, state], a module called twice and one not called; frozen and shared parameters", () => {
    class Tagger extends Module {
      readonly embed = this.register('embed', new Embedding(100, 8, { seed: 1 }));
      readonly lstm = this.register('lstm', new LSTM(8, 16, { seed: 2 }));
      readonly head = this.register('head', new Dense(16, 16, { seed: 3 }));
      readonly spare = this.register('spare', new Dense(16, 2, { seed: 4 }));
      forward(x: Tensor): Tensor {
        const [output] = this.lstm.forward(this.embed.forward(x));
        return this.head.forward(this.head.forward(output));
      }
    }
    const model = new Tagger();
    model.embed.weight.requiresGrad = false; // frozen
    const text = summary(model, [2, 7]);
    expect(text).toContain('  embed (Embedding)   [2, 7, 8]                            800');
    expect(text).toContain('  lstm (LSTM)         [2, 7, 16], ([2, 16], [2, 16])     1,664');
    expect(text).toContain('  head (Dense)        [2, 7, 16] (×2)                      272');
    expect(text).toContain('  spare (Dense)       not called                            34');
    expect(text).toContain('Total params: 2,770\nTrainable params: 1,970\nNon-trainable params: 800');
    const shared = new Dense(2, 2, { seed: 5 });
    expect(summary(new Sequential([shared, new ReLU(), shared]), [1, 2])).toContain('  0 (Dense)    [1, 2] (×2)          6\n  1 (ReLU)     [1, 2]               0');
    expect(summary(new Sequential([shared, shared]))).toContain('Total params: 6\n');
  });

  test('leaves the model as it was: training flags, running statistics, random streams and forward methods', () => {
    const model = new Sequential([new Dense(3, 4, { seed: 1 }), new BatchNorm(4), new Dropout(0.5, { seed: 2 }), new Dense(4, 1, { seed: 3 })]);
    model.layers[1]!.eval(); // a mixed tree
    const before = model.stateDict();
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    const reference = new Sequential([new Dense(3, 4, { seed: 1 }), new BatchNorm(4).eval(), new Dropout(0.5, { seed: 2 }), new Dense(4, 1, { seed: 3 })]);
    summary(model, [2, 3]);
    expect(model.namedModules().map(([, m]) => m.training)).toEqual([true, true, false, true, true]);
    for (const [key, t] of Object.entries(model.stateDict())) expect(Array.from(t.data)).toEqual(Array.from(before[key]!.data));
    expect(Array.from(model.forward(x).data)).toEqual(Array.from(reference.forward(x).data)); // Dropout's stream did not move
    expect(model.namedModules().every(([, m]) => !Object.prototype.hasOwnProperty.call(m, 'forward'))).toBe(true);
  });

  test('errors: not a module, a bad input shape, a model that cannot take the input (and the model is restored)', () => {
    expectError(() => summary({} as never), ValueError, 'summary: model must be a Module, got an object (Object)');
    expectError(() => summary(cnn(), [2, 0, 8]), ValueError, 'summary: inputShape must be a list of positive integers (the batch axis first), got [2, 0, 8]');
    expectError(() => summary(cnn(), 3 as never), ValueError, 'summary: inputShape must be a list of positive integers (the batch axis first), got 3');
    const model = cnn();
    expectError(() => summary(model, [2, 3, 8, 8]), ShapeError, 'summary: the model cannot run on an input of shape [2, 3, 8, 8]: Conv2d.forward: input must be [batch, 1, height, width], got [2, 3, 8, 8]');
    expect(model.namedModules().every(([, m]) => !Object.prototype.hasOwnProperty.call(m, 'forward'))).toBe(true);
    expect(model.training).toBe(true);
  });
});
