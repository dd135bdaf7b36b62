/**
 * The limits that keep a hostile model file from exhausting memory or the stack: how many bytes
 * are read, how deeply arrays and objects may nest, and how many of them (and strings) there may
 * be. All are checked without recursion, so the checks themselves cannot overflow the stack
 * however deep the input is.
 */
import { ValueError } from '@adjoint/core';

/** The largest model file loadModel reads unless told otherwise: 256 MiB. */
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

/**
 * The deepest nesting of arrays and objects a model file may have unless told otherwise. A file of
 * the library's layers is 2 levels deep plus 2 for each Sequential and 1 for each Residual that its
 * modules are nested in (an mlp's file is 4 deep), so 64 allows modules nested some 30 deep.
 */
export const DEFAULT_MAX_DEPTH = 64;

/** The most objects, arrays and strings a model file may hold unless told otherwise. */
export const DEFAULT_MAX_ITEMS = 1_000_000;

/**
 * The most bytes a file may have at all: its text must fit in one JavaScript string, and V8's
 * longest is 2²⁹ − 24 characters (Node's buffer.constants.MAX_STRING_LENGTH, written out because
 * this module also runs in browsers, which have no node:buffer).
 */
export const LARGEST_MAX_BYTES = 2 ** 29 - 24;

/**
 * `value` when it is a whole number in [1, `largest`], `fallback` when it is undefined; else a
 * ValueError naming `where` and the option.
 */
export function requireLimit(where: string, name: string, value: unknown, fallback: number, largest = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= largest) return value;
  const shown = typeof value === 'number' ? String(value) : typeof value === 'string' ? JSON.stringify(value.slice(0, 20)) : typeof value;
  throw new ValueError(`${where}: ${name} must be a whole number from 1 to ${largest}, got ${shown}`);
}

/** How deeply, and how much, a model file's JSON may nest and hold. */
export interface JsonLimits {
  /** The deepest nesting of arrays and objects (the outermost one is level 1). */
  maxDepth: number;
  /**
   * The most objects, arrays and strings (keys included). Numbers are not counted: a list of them
   * takes 8 bytes a number when parsed, a few times its text. An empty object takes 3 bytes of text
   * but some 60 of memory, so a 256 MiB file of them would take gigabytes (85 million of them
   * exhaust V8's heap, which aborts the process), while a genuine model file holds about 6 items per
   * tensor and 10 per layer, whatever its size.
   */
  maxItems: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * Checks JSON text against `limits` before JSON.parse builds it: the parser builds every level and
 * every item it is given (a 256 MiB file of '[' is 268 million nested arrays; one of '{},' 85
 * million objects, which exhausts V8's heap and aborts the process). Works on the UTF-8 bytes: those
 * of '"', '\\' and brackets never occur inside a multi-byte character, and string contents are skipped
 * with indexOf, so a file of base64 strings is scanned at memchr speed. Malformed text is left for
 * JSON.parse to report.
 * @throws ValueError naming `where`, the limit and the byte offset where it was passed.
 */
export function checkJsonText(where: string, bytes: Uint8Array, limits: JsonLimits): void {
  let depth = 0;
  let items = 0;
  const length = bytes.length;
  for (let i = 0; i < length; i++) {
    const c = bytes[i]!;
    if (c === QUOTE) {
      if (++items > limits.maxItems) throw tooManyItems(where, limits.maxItems, `byte ${i}`);
      i = endOfString(bytes, i);
      if (i < 0) return; // unterminated: not JSON, which JSON.parse reports
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > limits.maxDepth) throw tooDeep(where, limits.maxDepth, `byte ${i}`);
      if (++items > limits.maxItems) throw tooManyItems(where, limits.maxItems, `byte ${i}`);
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
}

/** The offset of the quote that closes the string opened at `start`, or -1 if none does. */
function endOfString(bytes: Uint8Array, start: number): number {
  let end = bytes.indexOf(QUOTE, start + 1);
  while (end > 0) {
    let backslashes = 0;
    while (bytes[end - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return end; // an odd count escapes this quote
    end = bytes.indexOf(QUOTE, end + 1);
  }
  return -1;
}

/**
 * Checks a parsed value against `limits`, its items counted as {@link checkJsonText} counts them.
 * An object reached twice counts twice, as the code that walks a config recursively would visit it
 * twice: so a cycle, which would make such code loop for ever, is refused as too deep, and a chain
 * of shared objects, which would take it exponential time, as too many items. (JSON.parse never
 * makes either; an object built in code may.) Iterative, so any depth is refused without using the
 * stack.
 * @throws ValueError naming `where` and the path to the offending part.
 */
export function checkTree(where: string, value: unknown, limits: JsonLimits): void {
  if (value === null || typeof value !== 'object') return;
  const stack: Array<{ node: object; depth: number; index: number }> = [{ node: value, depth: 1, index: 0 }];
  const visited: Array<{ parent: number; key: string }> = [{ parent: -1, key: '' }]; // to name paths in messages
  const count = (n: number, at: number): void => {
    if ((items += n) > limits.maxItems) throw tooManyItems(where, limits.maxItems, pathOf(visited, at));
  };
  let items = 0;
  count(1, 0);
  while (stack.length > 0) {
    const { node, depth, index } = stack.pop()!;
    if (depth > limits.maxDepth) throw tooDeep(where, limits.maxDepth, `${pathOf(visited, index)} (or cyclic)`);
    const keys = Array.isArray(node) ? null : Object.keys(node);
    if (keys !== null) count(keys.length, index);
    const length = keys === null ? (node as unknown[]).length : keys.length;
    for (let i = 0; i < length; i++) {
      const child: unknown = keys === null ? (node as unknown[])[i] : (node as Record<string, unknown>)[keys[i]!];
      if (typeof child === 'string') count(1, index);
      else if (child !== null && typeof child === 'object') {
        const at = visited.push({ parent: index, key: keys === null ? `[${i}]` : `.${keys[i]!}` }) - 1;
        count(1, at);
        stack.push({ node: child, depth: depth + 1, index: at });
      }
    }
  }
}

function tooDeep(where: string, maxDepth: number, at: string): ValueError {
  return new ValueError(`${where}: arrays and objects nested deeper than maxDepth (${maxDepth}) levels, at ${at}; pass {maxDepth} to allow deeper files`);
}

function tooManyItems(where: string, maxItems: number, at: string): ValueError {
  return new ValueError(`${where}: more than maxItems (${maxItems}) objects, arrays and strings, at ${at}; pass {maxItems} to allow more`);
}

/** The path from the root to visited node `index`, its middle elided when long. */
function pathOf(visited: ReadonlyArray<{ parent: number; key: string }>, index: number): string {
  const keys: string[] = [];
  for (let i = index; i >= 0; i = visited[i]!.parent) keys.push(visited[i]!.key.length > 40 ? `${visited[i]!.key.slice(0, 40)}…` : visited[i]!.key);
  if (keys.length > 8) keys.splice(4, keys.length - 8, `…(${keys.length - 8} more)…`);
  return keys.reverse().join('').replace(/^\./, '') || 'the top level';
}
