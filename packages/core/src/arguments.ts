/**
 * Checks of arguments shared by the public functions: a clear ValueError instead of a TypeError
 * later. requireOptions, requireFinite, requireChoice and requireIndicesBelow are exported for
 * code built on core (nn's layers and training use them), so that its messages read like core's.
 */
import { ValueError } from './errors';
import { describeValue } from './shape';

/** `value`, when it is a function; else a ValueError naming `op` and what `name` was given. */
export function requireFunction<F>(op: string, value: F, name = 'the function'): F {
  if (typeof value !== 'function') throw new ValueError(`${op}: ${name} must be a function, got ${describeValue(value)}`);
  return value;
}

/**
 * A kernel installed from outside core (setMatmulKernel, setAdamKernel), checked: null, or an
 * object with a string `name` and a function for each of `methods`. One written for another version
 * of the interface would otherwise fail at the next product or step with a bare TypeError.
 */
export function requireKernel<K>(op: string, kernel: K | null, methods: readonly string[]): K | null {
  if (kernel === null) return null;
  const k = kernel as Record<string, unknown> | undefined;
  const missing = typeof k !== 'object' || k === null ? ['name', ...methods] : [
    ...(typeof k.name === 'string' ? [] : ['name']),
    ...methods.filter((m) => typeof k[m] !== 'function'),
  ];
  if (missing.length > 0) {
    throw new ValueError(`${op}: a kernel is null or an object with a string name and the functions ${methods.join(', ')}; got ${describeValue(kernel)}, without ${missing.join(', ')}`);
  }
  return kernel;
}

/**
 * An options argument, checked: `value` when it is an object, `{}` when it is undefined (all
 * defaults); else a ValueError naming `op`, such as "fit: options must be an object, got null".
 * Given the `known` option names, a key outside them (a misspelling, which would otherwise leave
 * its option silently at the default) is a ValueError too: "gelu: unknown option 'aproximate';
 * the options are approximate".
 *
 * @example
 * const { seed = 0 } = requireOptions('myLayer', options, ['seed']);
 */
export function requireOptions<T extends object>(op: string, value: T | undefined, known?: readonly string[]): T {
  if (value === undefined) return {} as T;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    // An array here is an argument in the wrong place, often data: its length, not its elements.
    const got = Array.isArray(value) ? `an array of length ${value.length}` : describeValue(value);
    throw new ValueError(`${op}: options must be an object, got ${got}`);
  }
  if (known !== undefined) {
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) throw new ValueError(`${op}: unknown option ${quoteKey(key)}; the options are ${known.join(', ')}`);
    }
  }
  return value;
}

/** An option's name as a message shows it: in single quotes, cut short if it is enormous. */
const quoteKey = (key: string): string => (key.length > 40 ? `'${key.slice(0, 40)}…' (${key.length} characters)` : `'${key}'`);

/**
 * `value`, when it is a finite number; else a ValueError naming `op` and the argument `name`:
 * "rand: min must be a finite number, got NaN".
 */
export function requireFinite(op: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ValueError(`${op}: ${name} must be a finite number, got ${describeValue(value)}`);
  return value;
}

/**
 * `value`, when it is a whole number usable as a seed (|seed| ≤ 2⁵³); else a ValueError naming
 * `op`. A fraction is refused rather than truncated: 0.3 and 0.7 would seed the same stream, so
 * every seed drawn from `Math.random()` would give the same run.
 */
export function requireSeed(op: string, value: unknown, name = 'seed'): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  const hint = typeof value === 'number' && Number.isFinite(value) && Math.abs(value) < 2 ** 53
    ? ' (for a random seed, use Math.floor(Math.random() * 2 ** 32))' : '';
  throw new ValueError(`${op}: ${name} must be a whole number between −2⁵³ and 2⁵³, got ${describeValue(value)}${hint}`);
}

/**
 * `value`, when it is one of `choices`; else a ValueError naming `op`, the argument `name` and the
 * choices, as in: linear: activation must be 'identity' or 'relu', got "tanh".
 *
 * @example
 * const mode = requireChoice('EarlyStopping', 'mode', options.mode, ['min', 'max']); // 'min' | 'max'
 */
export function requireChoice<const C extends string>(op: string, name: string, value: unknown, choices: readonly C[]): C {
  if (choices.includes(value as C)) return value as C;
  const listed = choices.map((c) => `'${c}'`);
  const options = listed.length > 1 ? `${listed.slice(0, -1).join(', ')} or ${listed[listed.length - 1]}` : listed[0];
  throw new ValueError(`${op}: ${name} must be ${options}, got ${describeValue(value)}`);
}

/**
 * Throws a ValueError naming `op` unless every one of `values` (class labels, indices into an axis
 * of `count` entries) is an integer in [0, `count`): "crossEntropy: class indices must be integers
 * in [0, 3), got 3 at position 1", with `what` = 'class indices'.
 */
export function requireIndicesBelow(op: string, what: string, values: Float64Array, count: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= count) throw new ValueError(`${op}: ${what} must be integers in [0, ${count}), got ${v} at position ${i}`);
  }
}

/**
 * Refuses a keepDims that is not a boolean: options passed one place early (`norm(x, 0, {ord: 1})`,
 * `quantile(x, q, axis, {method})`) would otherwise be taken for keepDims = true and ignored.
 */
export function requireKeepDims(op: string, keepDims: unknown): void {
  if (typeof keepDims !== 'boolean') {
    throw new ValueError(`${op}: keepDims must be true or false, got ${describeValue(keepDims)}${typeof keepDims === 'object' && keepDims !== null ? ' (options go after keepDims)' : ''}`);
  }
}

/**
 * A copy of a list the caller gave as an op's attribute (slice's begin, transpose's perm): a
 * recorded op keeps its attributes until its backward pass, and the caller may change its own list
 * in the meantime. Anything else is passed on as it is, for the shape rule to refuse.
 */
export function ownCopy<T>(list: T): T {
  return Array.isArray(list) ? (Array.from(list) as T) : list;
}
