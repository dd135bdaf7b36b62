/**
 * Base64 → bytes, for the WebAssembly modules embedded by scripts/build-wasm.mjs.
 *
 * Why hand-rolled: the core package runs in Node and in browsers, and neither `Buffer` (Node only)
 * nor `atob` (a global whose typings are not in this project's lib, and which yields a binary
 * string that would need a second pass) is common ground. The modules are a few KiB, decoded once.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Sextet value of each ASCII code, -1 for characters outside the alphabet. */
const SEXTET = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) SEXTET[ALPHABET.charCodeAt(i)] = i;

/**
 * Decodes standard base64 (RFC 4648 alphabet, `=` padding optional). Throws on any other character,
 * so a corrupted embedded module fails loudly here rather than as a confusing compile error.
 */
export function decodeBase64(text: string): Uint8Array {
  let length = text.length;
  while (length > 0 && text.charCodeAt(length - 1) === 61 /* '=' */) length--;
  const out = new Uint8Array(Math.floor((length * 3) / 4));
  let bits = 0;
  let count = 0;
  let at = 0;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? SEXTET[code]! : -1;
    if (value < 0) throw new Error(`decodeBase64: invalid character at ${i}`);
    bits = ((bits << 6) | value) & 0xffffff;
    count += 6;
    if (count >= 8) {
      count -= 8;
      out[at++] = (bits >> count) & 0xff;
    }
  }
  return out;
}
