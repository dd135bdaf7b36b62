/**
 * Atomic file replacement: the text goes to a temporary file in the same directory (the same file
 * system, so the final rename is atomic), is flushed to disk, and only then renamed over the target.
 * A crash or error at any point leaves either the old file or the new one, never a torn mix.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Writes `text` to a new file at `path` (the temporary file); fit for injecting failures in tests. */
export type FileWriter = (path: string, text: string) => void;

let counter = 0;

/** Creates `path` (it must not exist), writes all of `text`, and flushes it to disk. */
export const writeDurably: FileWriter = (path, text) => {
  const bytes = Buffer.from(text, 'utf8');
  const fd = openSync(path, 'wx');
  try {
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
};

/**
 * Replaces the file at `path` with `text` atomically. On failure the temporary file is removed and
 * the error rethrown; the file at `path`, if any, is untouched.
 */
export function writeFileAtomic(path: string, text: string, write: FileWriter = writeDurably): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${counter++}.tmp`);
  try {
    write(temp, text);
    renameSync(temp, path);
  } catch (e) {
    try {
      unlinkSync(temp);
    } catch {
      // Nothing to remove: the writer failed before creating it.
    }
    throw e;
  }
  syncDirectory(dirname(path));
}

/** Flushes the directory entry of the rename, where the platform allows it (not on Windows). */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Best effort: the data itself is already on disk.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
