/**
 * Pieces of error messages built from a model file's contents. A file is untrusted input: a key, a
 * type name or a path may be megabytes long, a value may be a list of millions, so nothing from it
 * goes into a message whole. Each piece is quoted and elided first, and every message is capped at
 * {@link MAX_MESSAGE} characters as a last resort.
 */

/** The longest error message the model-file functions build. */
export const MAX_MESSAGE = 500;

/** `text` cut to at most `max` characters by replacing its middle with '…' (both ends tell most). */
export function elide(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = Math.ceil((max - 1) * 0.6);
  const tail = max - 1 - head;
  return `${text.slice(0, head)}…${text.slice(text.length - tail)}`;
}

/** `message` capped at {@link MAX_MESSAGE} characters, keeping its start (the function and the file). */
export function capMessage(message: string): string {
  return elide(message, MAX_MESSAGE);
}

/**
 * Control characters escaped, so that a key from a file cannot break a message across lines.
 * Nothing else is escaped: a Windows path keeps its single backslashes.
 */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A name (a tensor key, a file path) in single quotes, elided to about `max` characters. */
export function quoteName(name: string, max = 80): string {
  return `'${printable(elide(name, max))}'`;
}

/** A file path in single quotes, elided to about 160 characters (keeping the file name at its end). */
export function quotePath(path: string): string {
  return quoteName(path, 160);
}

/**
 * A short, bounded rendering of a JSON value for messages: strings quoted and elided, numbers as
 * written, short lists of plain values written out, anything bigger described by its size.
 */
export function preview(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(elide(value, 40));
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (Array.isArray(value)) {
    const plain = value.length <= 8 && value.every((v) => v === null || typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.length <= 12));
    return plain ? `[${value.map(preview).join(', ')}]` : `a list of length ${value.length}`;
  }
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** A short description of a JSON value for messages ('the list [2, 0.5]', "a list of length 300", 'the string "x"'). */
export function kind(value: unknown): string {
  if (value === undefined) return 'nothing'; // a key missing from the file
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    const shown = preview(value);
    return shown.startsWith('[') ? `the list ${shown}` : shown;
  }
  if (typeof value === 'string') return `the string ${preview(value)}`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

/** A list of names, each quoted, elided after the first few. */
export function quoteNames(names: readonly string[], shown = 3): string {
  const listed = names.slice(0, shown).map((n) => quoteName(n, 60)).join(', ');
  return names.length > shown ? `${listed} and ${names.length - shown} more` : listed;
}
