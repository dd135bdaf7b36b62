/**
 * The playground's code that runs without a browser (playground/src): the expression parser, the
 * trace the autodiff panel shows, the graph layout, the datasets and the network builder. The page
 * itself is tested in a real browser by browser.test.ts.
 */
import { trace } from '@adjoint/core';
import { FUNCTIONS, ParseError, parseExpression, type Expr } from '../playground/src/autodiff/parse';
import { modesAgree, traceExpression } from '../playground/src/autodiff/trace-model';
import { layerRows } from '../playground/src/autodiff/layout';
import { DATASETS, EXTENT, makeDataset, splitPoints, type DatasetName } from '../playground/src/data/datasets';
import { BatchNorm, Dense, Dropout, ReLU } from '@adjoint/nn';
import { buildNetwork } from '../playground/src/model/network';
import { decimal } from '../playground/src/view/format';
import { DEFAULTS, readSettings, settingsQuery, type Settings } from '../playground/src/settings';
import { Trainer, type Regularizer } from '../playground/src/model/trainer';

/** The rules are written with combining dots and bars (a + U+0307); compare them in composed form. */
const nfc = (texts: readonly string[]) => texts.map((t) => t.normalize('NFC'));

/** An expression tree as compact text: (a op b), neg(a), f(a, b). */
function show(e: Expr): string {
  switch (e.kind) {
    case 'number': return String(e.value);
    case 'variable': return e.name;
    case 'negate': return `neg(${show(e.arg)})`;
    case 'binary': return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'call': return `${e.fn}(${e.args.map(show).join(', ')})`;
  }
}

const parseError = (text: string): ParseError => {
  try {
    parseExpression(text);
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw e;
  }
  throw new Error(`${text} parsed`);
};

describe('the expression parser', () => {
  it.each([
    ['1 + 2 * 3', '(1 + (2 * 3))'],
    ['2^3^2', '(2 ^ (3 ^ 2))'], // right-associative
    ['-x^2', 'neg((x ^ 2))'], // ^ binds tighter than unary minus
    ['2^-x', '(2 ^ neg(x))'],
    ['-2', '-2'], // a negative literal is a constant, not an op
    ['x - -y', '(x - neg(y))'],
    ['2x', '(2 * x)'],
    ['2 sin(x)', '(2 * sin(x))'],
    ['(x + 1)(x − 1)', '((x + 1) * (x - 1))'],
    ['x y', '(x * y)'],
    ['x²', '(x ^ 2)'],
    ['x ** 3', '(x ^ 3)'],
    ['x·y × 2 ÷ 4', '(((x * y) * 2) / 4)'],
    ['sqrt(x^2 + exp(x^2))', 'sqrt(((x ^ 2) + exp((x ^ 2))))'],
    ['pow(x, y) + max(x, 0)', '(pow(x, y) + max(x, 0))'],
    ['2e-3 * .5', '(0.002 * 0.5)'],
    ['pi', String(Math.PI)],
  ])('%s is %s', (text, tree) => {
    expect(show(parseExpression(text))).toBe(tree);
  });

  it.each([
    ['', /type an expression/, 0],
    ['exp(x^2', /expected '\)' to close exp\(/, 7],
    ['x)', /a '\)' without its '\('/, 1],
    ['x +', /expected a number.*the expression ended/, 3],
    ['xy', /unknown name 'xy' \(write x\*y for a product\)/, 0],
    ['foo(x)', /unknown function 'foo'/, 0],
    ['sin x', /sin needs parentheses/, 0],
    ['pow(x)', /pow takes 2 arguments, got 1/, 0],
    ['x $ 2', /unexpected character '\$'/, 2],
    ['1e999', /too large/, 0],
  ])('refuses %j: %s at column %d', (text, message, column) => {
    const error = parseError(text);
    expect(error.message).toMatch(message);
    expect(error.column).toBe(column);
  });

  it('never evaluates text as code: JavaScript is a syntax error', () => {
    for (const text of ['alert(1)', 'constructor', 'x.constructor', '__proto__', 'this', 'x; y', '`x`', "'x'", 'x[0]', 'toString(x)', 'valueOf(x)']) {
      expect(() => parseExpression(text)).toThrow(ParseError);
    }
  });

  it('refuses expressions too long or too deeply nested, without overflowing the stack', () => {
    expect(parseError('x+'.repeat(300) + 'x').message).toMatch(/longer than 500/);
    expect(parseError('('.repeat(100) + 'x' + ')'.repeat(100)).message).toMatch(/nested more than/);
    expect(parseError('-'.repeat(200) + 'x').message).toMatch(/nested more than/);
  });
});

describe("the autodiff panel's trace", () => {
  it('is core\'s trace of exp(x²) at 0.5, with the course notes\' rules', () => {
    const shown = traceExpression('exp(x^2)', { x: 0.5, y: 0, xDot: 1, yDot: 0 });
    const core = trace((x) => x.square().exp())(0.5);
    expect(shown.rows.map((r) => [r.name, r.definition])).toEqual([['x', 'input'], ['a', 'x²'], ['b', 'exp(a)']]);
    shown.rows.forEach((r, i) => {
      expect(r.value).toBe(core.rows[i]!.value.item());
      expect(r.dot).toBe(core.rows[i]!.dot!.item());
      expect(r.bar).toBe(core.rows[i]!.bar!.item());
    });
    expect(nfc(shown.rows.map((r) => r.tangentRule))).toEqual(nfc(['ẋ = 1 (seed)', 'ȧ = 2x·ẋ', 'ḃ = b·ȧ']));
    expect(nfc(shown.rows.map((r) => r.adjointRule))).toEqual(nfc(['x̄: the sum of what reached it', 'x̄ += ā·2x', 'b̄ = 1 (seed); ā += b̄·b']));
    expect(shown.value).toBe(Math.exp(0.25));
    expect(shown.directional).toBe(shown.gradient.x); // along ẋ = 1 the tangent is the derivative
    expect(shown.uses).toEqual({ x: true, y: false });
  });

  it('names two inputs x and y (trace calls them x0 and x1) and seeds the tangent along (ẋ, ẏ)', () => {
    const shown = traceExpression('x*y + sin(x)', { x: 1, y: 2, xDot: 0, yDot: 1 });
    expect(shown.rows.map((r) => `${r.name} = ${r.definition}`)).toEqual(['x = input', 'y = input', 'a = x · y', 'b = sin(x)', 'c = a + b']);
    expect(nfc([shown.rows.find((r) => r.name === 'a')!.adjointRule])).toEqual(nfc(['x̄ += ā·y; ȳ += ā·x']));
    expect(shown.directional).toBe(1); // ∂f/∂y = x
    expect(shown.gradient).toEqual({ x: 2 + Math.cos(1), y: 1 });
  });

  it('writes x^k with its exponent (core prints its constant-exponent op without it)', () => {
    const shown = traceExpression('x^3', { x: 2, y: 0, xDot: 1, yDot: 0 });
    expect(shown.rows[1]).toMatchObject({ definition: 'x^3', value: 8, dot: 12 });
    expect(nfc([shown.rows[1]!.tangentRule])).toEqual(nfc(['ȧ = 3·x^2·ẋ']));
  });

  it('knows every function it parses: each traces through core and has its own tangent and adjoint rule', () => {
    for (const [fn, arity] of Object.entries(FUNCTIONS)) {
      const text = arity === 1 ? `${fn}(x)` : `${fn}(x, y)`;
      const shown = traceExpression(text, { x: fn === 'acosh' ? 1.7 : 0.7, y: 0.4, xDot: 1, yDot: 0 }); // acosh is defined from 1 on
      const row = shown.rows.at(-1)!;
      expect([text, row.tangentRule]).not.toEqual([text, expect.stringContaining('tangent rule')]);
      expect([text, row.adjointRule]).not.toEqual([text, expect.stringContaining('adjoint rule')]);
      expect([text, Number.isFinite(shown.gradient.x)]).toEqual([text, true]);
    }
    // atan2(y, x) with y = 0.4 as its first argument here (x = 0.7): ∂/∂x of atan2(x, y) is y/(x² + y²).
    const shown = traceExpression('atan2(x, y)', { x: 0.7, y: 0.4, xDot: 1, yDot: 0 });
    expect(shown.gradient.x).toBeCloseTo(0.4 / (0.49 + 0.16), 14);
  });

  it('says the two modes agree when ḟ and ẋ·x̄ + ẏ·ȳ are the same number, infinite or NaN', () => {
    expect(modesAgree(1.2840254166877414, 1.2840254166877416)).toBe(true); // rounding apart
    expect(modesAgree(-Infinity, -Infinity)).toBe(true); // 1/x at 0
    expect(modesAgree(NaN, NaN)).toBe(true); // x^0.5 at −1
    expect(modesAgree(1, 1.001)).toBe(false);
    expect(modesAgree(Infinity, -Infinity)).toBe(false);
    expect(modesAgree(NaN, 0)).toBe(false);
    const atZero = traceExpression('1/x', { x: 0, y: 0, xDot: 1, yDot: 0 });
    expect(modesAgree(atZero.gradient.x!, atZero.directional)).toBe(true);
  });

  it('refuses an expression without a variable', () => {
    expect(() => traceExpression('2 + 3', { x: 1, y: 0, xDot: 1, yDot: 0 })).toThrow(/does not use x or y/);
  });
});

describe('the graph layout', () => {
  it('puts each row one layer after its deepest parent and ignores constants', () => {
    const layers = layerRows([
      { name: 'x', parents: [] },
      { name: 'y', parents: [] },
      { name: 'a', parents: ['x', '2'] },
      { name: 'b', parents: ['a', 'y'] },
      { name: 'c', parents: ['x'] },
      { name: 'd', parents: ['b', 'c'] },
    ]);
    expect(layers).toEqual([['x', 'y'], ['a', 'c'], ['b'], ['d']]);
  });
});

describe('the datasets', () => {
  it.each(Object.keys(DATASETS) as DatasetName[])('%s: the same seed gives the same points, labels 0/1, all on the plot', (name) => {
    const a = makeDataset(name, { n: 200, noise: 0.5, seed: 3 });
    const b = makeDataset(name, { n: 200, noise: 0.5, seed: 3 });
    expect(a).toEqual(b);
    expect(new Set(a.labels)).toEqual(new Set([0, 1]));
    expect(a.xy.every((v) => Math.abs(v) <= EXTENT)).toBe(true);
    const { train, test } = splitPoints(a, 0.7, 1);
    expect([train.n, test.n]).toEqual([140, 60]);
  });
});

describe('the network builder', () => {
  it('puts BatchNorm before the activation and Dropout after it, and ends in one logit', () => {
    const { model, dense } = buildNetwork({ hidden: [4, 3], activation: 'relu', init: 'auto', dropout: 0.2, batchNorm: true, seed: 1 });
    const kind = (m: unknown) => (m instanceof Dense ? 'Dense' : m instanceof BatchNorm ? 'BatchNorm' : m instanceof ReLU ? 'ReLU' : m instanceof Dropout ? 'Dropout' : '?');
    expect(model.layers.map(kind)).toEqual(['Dense', 'BatchNorm', 'ReLU', 'Dropout', 'Dense', 'BatchNorm', 'ReLU', 'Dropout', 'Dense']);
    expect(dense.every((d) => d.activationName === 'identity')).toBe(true); // the activation is its own layer
    expect(dense.map((d) => [d.inFeatures, d.outFeatures])).toEqual([[2, 4], [4, 3], [3, 1]]);
  });
});

describe('the numbers the training panel shows', () => {
  it('are plain decimals, and exponents once a loss or weight has blown up', () => {
    expect([0.69314, 1, 12.5, 99999.99994].map((v) => decimal(v, 4))).toEqual(['0.6931', '1.0000', '12.5000', '99999.9999']);
    expect([3421353417867629.5, -5.72495092860284e82].map((v) => decimal(v, 2))).toEqual(['3.42e+15', '-5.72e+82']);
    expect([NaN, Infinity].map((v) => decimal(v, 4))).toEqual(['NaN', 'Infinity']);
  });
});

describe("the training panel's settings in the address", () => {
  it('read back as they were written, every field', () => {
    const changed: Settings = {
      dataset: 'spirals', noise: 35, trainPercent: 90, points: 800, dataSeed: 123456789, hidden: [], activation: 'leakyRelu',
      init: 'zeros', dropout: 0.5, batchNorm: true, netSeed: 7, optimizer: 'rmsprop', lr: 10, batchSize: 4,
      regularization: 'l1', regularizationRate: 0.03, speed: Infinity, showTest: true,
    };
    expect(Object.keys(changed).sort()).toEqual(Object.keys(DEFAULTS).sort());
    expect(readSettings(settingsQuery(changed))).toEqual(changed);
    expect(settingsQuery({ ...changed, hidden: [16, 1, 3] })).toContain('hidden=16,1,3&');
    expect(readSettings(settingsQuery({ ...changed, hidden: [16, 1, 3] })).hidden).toEqual([16, 1, 3]);
    expect(readSettings('')).toEqual(DEFAULTS);
  });

  it('keep the default for a value the controls do not offer, and ignore names they do not know', () => {
    const hostile = [
      'dataset=constructor', 'noise=7', 'noise=-5', 'trainPercent=0', 'trainPercent=100', 'points=1e9', 'dataSeed=-1', 'dataSeed=1e3',
      'hidden=8,0', 'hidden=17', 'hidden=1,1,1,1,1,1,1', 'hidden=__proto__', 'activation=toString', 'init=__proto__', 'dropout=0.9',
      'batchNorm=true', 'netSeed=9999999999', 'optimizer=hasOwnProperty', 'lr=1e999', 'lr=', 'batchSize=0x10', 'regularization=l3',
      'regularizationRate=5', 'speed=Infinity', 'showTest=yes', '__proto__=1', 'constructor=x',
    ];
    for (const part of hostile) expect([part, readSettings(`?${part}`)]).toEqual([part, DEFAULTS]);
    expect(readSettings('?hidden=&lr=0.001&speed=max')).toEqual({ ...DEFAULTS, hidden: [], lr: 0.001, speed: Infinity });
  });
});

describe('regularization in the playground trainer', () => {
  /** The weights after one SGD step (learning rate 0.1) with the given penalty, from the same start and minibatch. */
  const afterOneStep = (regularization: Regularizer, rate: number) => {
    const data = splitPoints(makeDataset('circles', { n: 40, noise: 0.1, seed: 1 }), 0.5, 2);
    const trainer = new Trainer(data, { hidden: [3], activation: 'tanh', init: 'auto', dropout: 0, batchNorm: false, seed: 4 }, 'sgd', 0.1, 8);
    const before = trainer.network.dense.map((d) => [Float64Array.from(d.weight.data), Float64Array.from(d.bias!.data)]);
    trainer.regularization = regularization;
    trainer.regularizationRate = rate;
    trainer.step();
    return { before, after: trainer.network.dense.map((d) => [d.weight.data, d.bias!.data]) };
  };

  it.each([
    ['l2', (w: number) => 2 * w], // d/dw of rate · w² is 2 · rate · w
    ['l1', (w: number) => Math.sign(w)], // of rate · |w|, rate · sign(w)
  ] as const)('%s adds its gradient to every weight, and none to the biases', (kind, derivative) => {
    const rate = 0.01;
    const plain = afterOneStep('none', rate);
    const penalised = afterOneStep(kind, rate);
    plain.before.forEach(([w0, b0], k) => {
      const [wPlain, bPlain] = plain.after[k]!;
      const [wPenalised, bPenalised] = penalised.after[k]!;
      w0!.forEach((w, i) => expect(wPenalised![i]! - wPlain![i]!).toBeCloseTo(-0.1 * rate * derivative(w), 14));
      expect(bPenalised).toEqual(bPlain);
      expect(b0!.length).toBeGreaterThan(0);
    });
  });
});
