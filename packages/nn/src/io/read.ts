/**
 * Reading a model file as untrusted input: regular files only, and never more than a set number of
 * bytes. readFileSync would hang on a FIFO (opening one waits for a writer) and read /dev/zero until
 * memory runs out; this opens without blocking, asks the open file itself what it is (fstat, so the
 * answer cannot change between the check and the read), and reads with a bound.
 */
import { ValueError } from '@adjoint/core';
import { elide } from './messages';
import type { Stats } from 'node:fs';
import { nodeBuiltins } from './node-builtins';

const fs = (): typeof import('node:fs') => nodeBuiltins('loadModel').fs;

const RAISE_MAX_BYTES = 'pass {maxBytes} to loadModel to read larger files';

/**
 * The bytes of the regular file at `path`, at most `maxBytes` of them.
 * @throws ValueError naming `where` when the file cannot be opened, is not a regular file (a
 * directory, a FIFO, a device such as /dev/zero), or holds more than `maxBytes` bytes.
 */
export function readRegularFile(where: string, path: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, for ever if none
    // comes. It changes nothing for regular files. (Windows has no such flag, nor FIFOs to open.)
    fd = fs().openSync(path, fs().constants.O_RDONLY | (fs().constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw new ValueError(`${where}: cannot read the file: ${elide(String((e as Error).message), 250)}`);
  }
  try {
    const stats = fs().fstatSync(fd);
    if (!stats.isFile()) throw new ValueError(`${where}: not a regular file but ${whatItIs(stats)}; model files are regular files`);
    if (stats.size > maxBytes) throw new ValueError(`${where}: the file is ${stats.size} bytes, more than maxBytes (${maxBytes}); ${RAISE_MAX_BYTES}`);
    return readAtMost(where, fd, stats.size, maxBytes);
  } finally {
    fs().closeSync(fd);
  }
}

/**
 * Reads `fd` to its end, expecting about `expected` bytes, refusing more than `maxBytes`: the file
 * may have grown since fstat (another program appending to it).
 */
function readAtMost(where: string, fd: number, expected: number, maxBytes: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  // One byte more than expected, so that a file of the expected size is read in one call and the
  // next call, returning 0, says it ended.
  let chunkSize = Math.min(expected, maxBytes) + 1;
  for (;;) {
    const chunk = Buffer.allocUnsafe(chunkSize);
    let filled = 0;
    try {
      while (filled < chunk.length) {
        const n = fs().readSync(fd, chunk, filled, chunk.length - filled, null);
        if (n === 0) break;
        filled += n;
      }
    } catch (e) {
      throw new ValueError(`${where}: cannot read the file: ${elide(String((e as Error).message), 250)}`);
    }
    total += filled;
    if (total > maxBytes) throw new ValueError(`${where}: the file grew past maxBytes (${maxBytes}) while it was read; ${RAISE_MAX_BYTES}`);
    chunks.push(filled === chunk.length ? chunk : chunk.subarray(0, filled));
    if (filled < chunk.length) return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
    chunkSize = Math.min(1024 * 1024, maxBytes - total + 1);
  }
}

/** What a file that is not a regular file is, for messages. */
function whatItIs(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'a special file';
}
