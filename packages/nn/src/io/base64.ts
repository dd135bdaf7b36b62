/**
 * Base64 (RFC 4648, with padding) between bytes and text, for model files' tensor data. Written out
 * rather than taken from Node's Buffer, which browsers lack, or btoa/atob, which go through a
 * string of one character per byte.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

/** The base64 text of `bytes`. */
export function encodeBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  const CHUNK = 3 * 4096; // build the text in pieces: one string per 12 KiB, joined once
  for (let start = 0; start < bytes.length; start += CHUNK) {
    const end = Math.min(start + CHUNK, bytes.length);
    let piece = '';
    for (let i = start; i < end; i += 3) {
      const a = bytes[i]!;
      const b = i + 1 < end ? bytes[i + 1]! : 0;
      const c = i + 2 < end ? bytes[i + 2]! : 0;
      piece += ALPHABET[a >> 2]! + ALPHABET[((a & 3) << 4) | (b >> 4)]!
        + (i + 1 < end ? ALPHABET[((b & 15) << 2) | (c >> 6)]! : '=')
        + (i + 2 < end ? ALPHABET[c & 63]! : '=');
    }
    parts.push(piece);
  }
  return parts.join('');
}

/** The bytes of canonical padded base64 `text`, or null when it is not that. */
export function decodeBase64(text: string): Uint8Array | null {
  if (text.length % 4 !== 0) return null;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    const a = digit(text, i);
    const b = digit(text, i + 1);
    const c = last && padding === 2 ? 0 : digit(text, i + 2);
    const d = last && padding >= 1 ? 0 : digit(text, i + 3);
    if (a < 0 || b < 0 || c < 0 || d < 0) return null;
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

function digit(text: string, i: number): number {
  const code = text.charCodeAt(i);
  return code < 128 ? VALUE[code]! : -1;
}
