/**
 * The argument checks core exports for code built on it (nn's layers and training, users' layers):
 * what each returns, and the message of each failure, which names the caller's function.
 */
import { ValueError, requireChoice, requireFinite, requireIndicesBelow, requireOptions, sameShape } from '@adjoint/core';

const messageOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ValueError);
    return (e as Error).message;
  }
  throw new Error('expected a ValueError');
};

describe('requireOptions', () => {
  it('gives the object itself, or {} for undefined', () => {
    const options = { seed: 1 };
    expect(requireOptions('f', options)).toBe(options);
    expect(requireOptions('f', undefined)).toEqual({});
  });

  it('rejects anything else, naming the function and what it got', () => {
    expect(messageOf(() => requireOptions('f', null as never))).toBe('f: options must be an object, got null');
    expect(messageOf(() => requireOptions('f', 5 as never))).toBe('f: options must be an object, got 5');
    expect(messageOf(() => requireOptions('f', 'fast' as never))).toBe('f: options must be an object, got "fast"');
  });

  it('describes an array by its length, not its elements (it may be a whole data set)', () => {
    expect(messageOf(() => requireOptions('fit', new Array(10_000).fill(0) as never))).toBe('fit: options must be an object, got an array of length 10000');
  });

  it('given the known option names, refuses any other key, naming it and the options', () => {
    const options = { correction: 1 };
    expect(requireOptions('variance', options, ['correction'])).toBe(options);
    expect(requireOptions('variance', {}, ['correction'])).toEqual({});
    expect(messageOf(() => requireOptions('variance', { corection: 1 } as never, ['correction']))).toBe("variance: unknown option 'corection'; the options are correction");
    expect(messageOf(() => requireOptions('gelu', { approximate: 'tanh', fast: true } as never, ['approximate']))).toBe("gelu: unknown option 'fast'; the options are approximate");
    expect(messageOf(() => requireOptions('f', { ['k'.repeat(100)]: 1 } as never, ['a', 'b']))).toBe(`f: unknown option '${'k'.repeat(40)}…' (100 characters); the options are a, b`);
    // Without the list, any keys pass (the options of functions that check their own).
    expect(requireOptions('f', { anything: 1 })).toEqual({ anything: 1 });
  });
});

describe('requireFinite', () => {
  it('gives the number back', () => expect(requireFinite('f', 'x', -2.5)).toBe(-2.5));

  it.each([[NaN, 'NaN'], [Infinity, 'Infinity'], ['1', '"1"'], [undefined, 'undefined']])('rejects %p', (value, shown) => {
    expect(messageOf(() => requireFinite('Dropout', 'seed', value))).toBe(`Dropout: seed must be a finite number, got ${shown}`);
  });
});

describe('requireChoice', () => {
  it('gives the choice back, typed as one of the choices', () => {
    const mode: 'min' | 'max' = requireChoice('f', 'mode', 'max', ['min', 'max']);
    expect(mode).toBe('max');
  });

  it('lists the choices in its message', () => {
    expect(messageOf(() => requireChoice('f', 'mode', 'up', ['min', 'max']))).toBe(`f: mode must be 'min' or 'max', got "up"`);
    expect(messageOf(() => requireChoice('f', 'kind', 3, ['a', 'b', 'c']))).toBe(`f: kind must be 'a', 'b' or 'c', got 3`);
  });
});

describe('requireIndicesBelow', () => {
  it('accepts integers in [0, count)', () => expect(() => requireIndicesBelow('f', 'labels', Float64Array.from([0, 2, 1]), 3)).not.toThrow());

  it.each([[3, '3'], [-1, '-1'], [0.5, '0.5'], [NaN, 'NaN']])('rejects %p, with its position', (bad, shown) => {
    expect(messageOf(() => requireIndicesBelow('f', 'labels', Float64Array.from([0, bad]), 3))).toBe(`f: labels must be integers in [0, 3), got ${shown} at position 1`);
  });
});

describe('sameShape', () => {
  it('compares rank and every dimension', () => {
    expect(sameShape([2, 3], [2, 3])).toBe(true);
    expect(sameShape([], [])).toBe(true);
    expect(sameShape([2, 3], [3, 2])).toBe(false);
    expect(sameShape([6], [6, 1])).toBe(false);
  });
});
