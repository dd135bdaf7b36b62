/**
 * The derivative rules of the ops an expression can use, written out the way the course notes'
 * trace tables write them: for v = op(a, b), the tangent rule v̇ = … (forward mode) and the adjoint
 * updates ā += v̄·… (reverse mode). These strings only explain the numbers in the table; the
 * numbers themselves come from core's own rules, through `trace`.
 */

/** ȧ: a dot over the first letter of a name (x → ẋ, a → ȧ, v24 → v̇24). */
export const dotted = (name: string): string => name.slice(0, 1) + '\u0307' + name.slice(1);
/** ā: a bar over the first letter. */
export const barred = (name: string): string => name.slice(0, 1) + '\u0304' + name.slice(1);

/** A parent that is a number in the trace (a constant) has no tangent and takes no adjoint. */
const isConstant = (name: string): boolean => !/^[A-Za-z]/.test(name);

/** ∂v/∂a of a one-input op, as text in terms of a (the input) and v (the output). */
function unaryLocal(op: string, a: string, v: string, exponent: number | undefined): string | null {
  switch (op) {
    case 'neg': return '−1';
    case 'exp': return v;
    case 'log': return `1/${a}`;
    case 'log1p': return `1/(1 + ${a})`;
    case 'expm1': return `(${v} + 1)`;
    case 'sqrt': return `1/(2${v})`;
    case 'square': return `2${a}`;
    case 'abs': return `sign(${a})`;
    case 'sin': return `cos(${a})`;
    case 'cos': return `−sin(${a})`;
    case 'tan': return `(1 + ${v}²)`;
    case 'tanh': return `(1 − ${v}²)`;
    case 'sigmoid': return `${v}(1 − ${v})`;
    case 'relu': return `[${a} > 0]`;
    case 'softplus': return `σ(${a})`;
    case 'elu': return `(${a} > 0 ? 1 : ${v} + 1)`;
    case 'leakyRelu': return `(${a} > 0 ? 1 : 0.01)`;
    case 'erf': return `(2/√π)·e^(−${a}²)`;
    case 'gelu': return `(Φ(${a}) + ${a}·φ(${a}))`;
    case 'silu': return `σ(${a})(1 + ${a}(1 − σ(${a})))`;
    case 'sinh': return `cosh(${a})`;
    case 'cosh': return `sinh(${a})`;
    case 'asinh': return `1/√(${a}² + 1)`;
    case 'atan': return `1/(1 + ${a}²)`;
    case 'asin': return `1/√(1 − ${a}²)`;
    case 'acos': return `−1/√(1 − ${a}²)`;
    case 'acosh': return `1/√(${a}² − 1)`;
    case 'atanh': return `1/(1 − ${a}²)`;
    case 'log2': return `1/(${a}·ln 2)`;
    case 'log10': return `1/(${a}·ln 10)`;
    case 'reciprocal': return `−${v}²`;
    case 'rsqrt': return `−${v}³/2`;
    case 'powScalar': return exponent === undefined ? null : `${exponent}·${a}^${exponent - 1}`;
    default: return null;
  }
}

/** ∂v/∂a and ∂v/∂b of a two-input op. */
function binaryLocal(op: string, a: string, b: string, v: string): [string, string] | null {
  switch (op) {
    case 'add': return ['1', '1'];
    case 'sub': return ['1', '−1'];
    case 'mul': return [b, a];
    case 'div': return [`1/${b}`, `−${v}/${b}`];
    case 'pow': return [`${b}·${a}^(${b} − 1)`, `${v}·ln(${a})`];
    case 'maximum': return [`[${a} > ${b}]`, `[${a} ≤ ${b}]`];
    case 'minimum': return [`[${a} < ${b}]`, `[${a} ≥ ${b}]`];
    case 'atan2': return [`${b}/(${a}² + ${b}²)`, `−${a}/(${a}² + ${b}²)`];
    case 'logaddexp': return [`σ(${a} − ${b})`, `σ(${b} − ${a})`];
    case 'xlogy': return [`ln(${b})`, `${a}/${b}`];
    default: return null;
  }
}

/** factor·term (forward: ∂v/∂a·ȧ) or term·factor (reverse: v̄·∂v/∂a), without multiplying by ±1. */
function times(factor: string, term: string, termFirst = false): string {
  if (factor === '1') return term;
  if (factor === '−1') return `−${term}`;
  return termFirst ? `${term}·${factor}` : `${factor}·${term}`;
}

/** The partial derivatives of row `name` = op(parents), one per parent, or null for an op we cannot write. */
function locals(op: string, parents: readonly string[], name: string, exponent?: number): string[] | null {
  if (parents.length === 1) {
    const d = unaryLocal(op, parents[0]!, name, exponent);
    return d === null ? null : [d];
  }
  if (parents.length === 2) return binaryLocal(op, parents[0]!, parents[1]!, name);
  return null;
}

/** Forward mode: v̇ = Σ ∂v/∂p · ṗ over the parents that are not constants. */
export function tangentRule(op: string, parents: readonly string[], name: string, exponent?: number): string {
  const partials = locals(op, parents, name, exponent);
  if (partials === null) return `${dotted(name)} from ${op}'s tangent rule`;
  const terms = parents.flatMap((p, i) => (isConstant(p) ? [] : [times(partials[i]!, dotted(p))]));
  const sum = terms.length === 0 ? '0' : terms.join(' + ').replace(/\+ −/g, '− ');
  return `${dotted(name)} = ${sum}`;
}

/** Reverse mode: p̄ += v̄ · ∂v/∂p for each parent that is not a constant. */
export function adjointRule(op: string, parents: readonly string[], name: string, exponent?: number): string {
  const partials = locals(op, parents, name, exponent);
  const targets = parents.filter((p) => !isConstant(p));
  if (targets.length === 0) return '';
  if (partials === null) return `${targets.map(barred).join(', ')} from ${op}'s adjoint rule`;
  return parents
    .flatMap((p, i) => (isConstant(p) ? [] : [`${barred(p)} += ${times(partials[i]!, barred(name), true)}`]))
    .join('; ');
}
