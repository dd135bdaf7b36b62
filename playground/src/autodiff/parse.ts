/**
 * A small, safe parser for the expressions of the autodiff panel: numbers, the variables x and y,
 * + − * / ^ (also ·, ×, **, −, ²), unary minus, parentheses, implicit products (2x, 3(x + 1)),
 * the constants pi and e, and a fixed list of functions. It never evaluates text as code: it
 * builds a syntax tree, which evaluate.ts turns into @adjoint/core ops.
 *
 * Grammar, loosest first (^ is right-associative and binds tighter than unary minus, so -x^2 is
 * −(x²), as in mathematics):
 *   sum     = product (("+" | "-") product)*
 *   product = unary (("*" | "/") unary | <implicit> power)*
 *   unary   = ("-" | "+") unary | power
 *   power   = primary ("^" unary | "²")?
 *   primary = number | name | name "(" sum ("," sum)* ")" | "(" sum ")"
 */

export type Expr =
  | { kind: 'number'; value: number }
  | { kind: 'variable'; name: 'x' | 'y' }
  | { kind: 'negate'; arg: Expr }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/' | '^'; left: Expr; right: Expr }
  | { kind: 'call'; fn: FunctionName; args: Expr[] };

/** The functions an expression may call, with their number of arguments. */
export const FUNCTIONS = {
  exp: 1, log: 1, ln: 1, log1p: 1, expm1: 1, sqrt: 1, square: 1, abs: 1,
  sin: 1, cos: 1, tan: 1, tanh: 1, sigmoid: 1, relu: 1, softplus: 1, elu: 1, leakyRelu: 1,
  erf: 1, gelu: 1, silu: 1, sinh: 1, cosh: 1, asinh: 1, atan: 1, log2: 1, log10: 1, reciprocal: 1, rsqrt: 1,
  asin: 1, acos: 1, acosh: 1, atanh: 1,
  pow: 2, max: 2, min: 2, atan2: 2, logaddexp: 2, xlogy: 2,
} as const;
export type FunctionName = keyof typeof FUNCTIONS;

const CONSTANTS: Record<string, number> = { pi: Math.PI, π: Math.PI, e: Math.E };

/** Own keys only: `'toString' in FUNCTIONS` is true, through Object.prototype. */
const has = (table: object, key: string): boolean => Object.hasOwn(table, key);

/** Limits that keep a pasted monster from freezing the page or overflowing the parser's stack. */
export const MAX_LENGTH = 500;
const MAX_DEPTH = 60;

/** A syntax error, with the 0-based column where it was found. */
export class ParseError extends Error {
  constructor(message: string, readonly column: number) {
    super(message);
    this.name = 'ParseError';
  }
}

type Token =
  | { type: 'number'; value: number; column: number; text: string }
  | { type: 'name'; value: string; column: number; text: string }
  | { type: 'op'; value: '+' | '-' | '*' | '/' | '^' | '(' | ')' | ',' | '²'; column: number; text: string }
  | { type: 'end'; column: number; text: string };

/** Symbols people type for the same operator. */
const OPERATORS: Record<string, '+' | '-' | '*' | '/' | '^' | '(' | ')' | ',' | '²'> = {
  '+': '+', '-': '-', '−': '-', '*': '*', '·': '*', '×': '*', '/': '/', '÷': '/', '^': '^', '(': '(', ')': ')', ',': ',', '²': '²',
};

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s+|(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*|π)|(\*\*)|(.)/gu;
  for (const match of text.matchAll(pattern)) {
    const [whole, number, name, power, other] = match;
    const column = match.index!;
    if (number !== undefined) tokens.push({ type: 'number', value: Number(number), column, text: whole });
    else if (name !== undefined) tokens.push({ type: 'name', value: name, column, text: whole });
    else if (power !== undefined) tokens.push({ type: 'op', value: '^', column, text: whole });
    else if (other !== undefined) {
      const op = OPERATORS[other];
      if (op === undefined) throw new ParseError(`unexpected character '${other}'`, column);
      tokens.push({ type: 'op', value: op, column, text: whole });
    }
  }
  tokens.push({ type: 'end', column: text.length, text: '' });
  return tokens;
}

class Parser {
  private at = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  private get next(): Token {
    return this.tokens[this.at]!;
  }

  private atEnd(): boolean {
    return this.next.type === 'end';
  }

  private isOp(value: string): boolean {
    return this.next.type === 'op' && this.next.value === value;
  }

  private fail(message: string, token = this.next): never {
    throw new ParseError(token.type === 'end' ? `${message}, but the expression ended` : `${message}, found '${token.text}'`, token.column);
  }

  /** Runs a rule one level deeper, refusing expressions nested beyond MAX_DEPTH. */
  private nested<T>(rule: () => T): T {
    if (++this.depth > MAX_DEPTH) throw new ParseError(`the expression is nested more than ${MAX_DEPTH} levels deep`, this.next.column);
    try {
      return rule();
    } finally {
      this.depth--;
    }
  }

  parse(): Expr {
    if (this.atEnd()) throw new ParseError('type an expression in x (and y), such as exp(x^2)', 0);
    const expr = this.sum();
    if (!this.atEnd()) this.fail(this.isOp(')') ? "a ')' without its '('" : 'expected an operator');
    return expr;
  }

  private sum(): Expr {
    return this.nested(() => {
      let left = this.product();
      while (this.isOp('+') || this.isOp('-')) {
        const op = (this.tokens[this.at++] as { value: '+' | '-' }).value;
        left = { kind: 'binary', op, left, right: this.product() };
      }
      return left;
    });
  }

  private product(): Expr {
    let left = this.unary();
    for (;;) {
      if (this.isOp('*') || this.isOp('/')) {
        const op = (this.tokens[this.at++] as { value: '*' | '/' }).value;
        left = { kind: 'binary', op, left, right: this.unary() };
      } else if (this.next.type === 'number' || this.next.type === 'name' || this.isOp('(')) {
        // Juxtaposition: 2x, 2 sin(x), x(x + 1), (x + 1)(x − 1).
        left = { kind: 'binary', op: '*', left, right: this.power() };
      } else {
        return left;
      }
    }
  }

  private unary(): Expr {
    return this.nested(() => {
      if (this.isOp('-')) {
        this.at++;
        const arg = this.unary();
        // A negative literal is a number, not an op on one: -2 stays a constant of the trace.
        return arg.kind === 'number' ? { kind: 'number', value: -arg.value } : { kind: 'negate', arg };
      }
      if (this.isOp('+')) {
        this.at++;
        return this.unary();
      }
      return this.power();
    });
  }

  private power(): Expr {
    const base = this.primary();
    if (this.isOp('^')) {
      this.at++;
      return { kind: 'binary', op: '^', left: base, right: this.unary() };
    }
    if (this.isOp('²')) {
      this.at++;
      return { kind: 'binary', op: '^', left: base, right: { kind: 'number', value: 2 } };
    }
    return base;
  }

  private primary(): Expr {
    const token = this.next;
    if (token.type === 'number') {
      this.at++;
      if (!Number.isFinite(token.value)) throw new ParseError(`the number ${token.text} is too large`, token.column);
      return { kind: 'number', value: token.value };
    }
    if (token.type === 'name') {
      this.at++;
      if (this.isOp('(')) return this.call(token);
      if (token.value === 'x' || token.value === 'y') return { kind: 'variable', name: token.value };
      if (has(CONSTANTS, token.value)) return { kind: 'number', value: CONSTANTS[token.value]! };
      if (has(FUNCTIONS, token.value)) throw new ParseError(`${token.value} needs parentheses: ${token.value}(x)`, token.column);
      const hint = /^[xy]+$/.test(token.value) ? ` (write ${token.value.split('').join('*')} for a product)` : '';
      throw new ParseError(`unknown name '${token.value}'${hint}: the variables are x and y`, token.column);
    }
    if (this.isOp('(')) {
      this.at++;
      const inner = this.sum();
      if (!this.isOp(')')) this.fail("expected ')'");
      this.at++;
      return inner;
    }
    return this.fail('expected a number, x, y, a function or (');
  }

  private call(name: Extract<Token, { type: 'name' }>): Expr {
    if (!has(FUNCTIONS, name.value)) {
      throw new ParseError(`unknown function '${name.value}'; known: ${Object.keys(FUNCTIONS).join(', ')}`, name.column);
    }
    const fn = name.value as FunctionName;
    this.at++; // (
    const args = [this.sum()];
    while (this.isOp(',')) {
      this.at++;
      args.push(this.sum());
    }
    if (!this.isOp(')')) this.fail(`expected ')' to close ${fn}(`);
    this.at++;
    if (args.length !== FUNCTIONS[fn]) {
      throw new ParseError(`${fn} takes ${FUNCTIONS[fn]} argument${FUNCTIONS[fn] === 1 ? '' : 's'}, got ${args.length}`, name.column);
    }
    return { kind: 'call', fn, args };
  }
}

/** The syntax tree of `text`. @throws ParseError with the column of the problem. */
export function parseExpression(text: string): Expr {
  if (text.length > MAX_LENGTH) throw new ParseError(`the expression is longer than ${MAX_LENGTH} characters`, MAX_LENGTH);
  return new Parser(tokenize(text)).parse();
}

/** Which of x and y an expression uses. */
export function variablesOf(expr: Expr): Set<'x' | 'y'> {
  const found = new Set<'x' | 'y'>();
  const stack: Expr[] = [expr];
  while (stack.length > 0) {
    const e = stack.pop()!;
    if (e.kind === 'variable') found.add(e.name);
    else if (e.kind === 'negate') stack.push(e.arg);
    else if (e.kind === 'binary') stack.push(e.left, e.right);
    else if (e.kind === 'call') stack.push(...e.args);
  }
  return found;
}
