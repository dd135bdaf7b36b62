/**
 * Atomic file replacement: the text goes to a temporary file in the same directory (the same file
 * system, so the final rename is atomic), is flushed to disk, and only then renamed over the target.
 * A crash or error at any point leaves either the old file or the new one, never a torn mix.
 *
 * Several writers may save to one path at once — threads of one process, other processes. Each
 * writes its own temporary file, under a name no other writer can produce, and removes only that
 * one; the last rename wins, and every rename puts a complete file in place.
 */
import type { Stats } from 'node:fs';
import { nodeBuiltins } from './node-builtins';

const node = (): ReturnType<typeof nodeBuiltins> => nodeBuiltins('saveModel');
const fs = (): typeof import('node:fs') => node().fs;
const nodePath = (): typeof import('node:path') => node().path;

/**
 * Writes `text` to a new file at `path` (the temporary file), with permission bits `mode` when
 * given (those of the file it will replace); fit for injecting failures in tests.
 */
export type FileWriter = (path: string, text: string, mode?: number) => void;

/**
 * Creates `path` (it must not exist) with permission bits `mode` (default: 0o666 less the umask),
 * writes all of `text`, and flushes it to disk.
 */
export const writeDurably: FileWriter = (path, text, mode) => {
  const bytes = Buffer.from(text, 'utf8');
  // Created with `mode` already, not chmod-ed afterwards, so that the contents of a private (0600)
  // file are never readable by others through the temporary file. The umask can only remove bits.
  const fd = fs().openSync(path, 'wx', mode ?? 0o666);
  try {
    if (mode !== undefined) fs().fchmodSync(fd, mode); // the exact bits, whatever the umask removed
    let done = 0;
    while (done < bytes.length) done += fs().writeSync(fd, bytes, done, bytes.length - done);
    fs().fsyncSync(fd);
  } finally {
    fs().closeSync(fd);
  }
};

/** How many times a temporary name is drawn again when it exists (it never should: 96 random bits). */
const NAME_ATTEMPTS = 3;

/**
 * Replaces the file at `path` with `text` atomically. When `path` is a symbolic link, the file it
 * points to is replaced (atomically, beside it) and the link is kept. A file being replaced keeps
 * its permission bits. On failure the temporary file is removed and the error rethrown; the file at
 * `path`, if any, is untouched.
 * @throws Error (from node:fs, or a plain Error saying what is wrong with `path`) when the file
 * cannot be written; callers wrap it.
 */
export function writeFileAtomic(path: string, text: string, write: FileWriter = writeDurably): void {
  const target = resolveLinks(path);
  const temp = writeTemporary(target, text, existingMode(target), write);
  try {
    fs().renameSync(temp, target);
  } catch (e) {
    removeQuietly(temp);
    throw e;
  }
  syncDirectory(nodePath().dirname(target));
}

/**
 * Writes `text` to a new temporary file beside `target` and returns its name. A name that exists
 * (EEXIST) belongs to a file this call did not create: it is left alone and another drawn. After
 * any other failure the file, if the writer got as far as creating it, is this call's, and removed.
 */
function writeTemporary(target: string, text: string, mode: number | undefined, write: FileWriter): string {
  for (let attempt = 1; ; attempt++) {
    const temp = temporaryName(target);
    try {
      write(temp, text, mode);
      return temp;
    } catch (e) {
      if (isCode(e, 'EEXIST') && attempt < NAME_ATTEMPTS) continue;
      if (!isCode(e, 'EEXIST')) removeQuietly(temp);
      throw e;
    }
  }
}

/**
 * A temporary name beside `target` that no other writer can produce: the process id and the
 * thread id (threads share the process id) and 96 random bits, so that two saves to one path never
 * write into, rename or remove each other's file — nor one left by a process that died, which may
 * well have had this process's id. The target's name is shortened so that the temporary name stays
 * within the 255 bytes file systems allow for a name.
 */
function temporaryName(target: string): string {
  const name = nodePath().basename(target);
  const short = Buffer.byteLength(name) > 120 ? `${Buffer.from(name).subarray(0, 120).toString('utf8').replace(/\uFFFD+$/, '')}…` : name;
  return nodePath().join(nodePath().dirname(target), `.${short}.${globalThis.process.pid}.${node().workerThreads.threadId}.${node().crypto.randomBytes(12).toString('hex')}.tmp`);
}

/** The longest chain of symbolic links followed, as the operating system's own limit (ELOOP). */
const MAX_LINKS = 40;

/**
 * The path the save must replace: `path` itself, or, when it is a symbolic link, the file at the
 * end of the chain of links (which need not exist yet). Renaming over the link itself would
 * replace the link with a regular file and leave its target stale; replacing the target keeps the
 * link, which then shows the new content.
 */
function resolveLinks(path: string): string {
  let current = path;
  for (let hops = 0; hops <= MAX_LINKS; hops++) {
    let isLink: boolean;
    try {
      isLink = fs().lstatSync(current).isSymbolicLink();
    } catch (e) {
      if (isCode(e, 'ENOENT')) return current; // a new file (or a dangling link's target) is written there
      throw e;
    }
    if (!isLink) return current;
    // A relative link is relative to the directory it sits in, as the system resolves it: the
    // physical directory (realpath), so that '..' in the link means what it means to the kernel.
    const link = fs().readlinkSync(current);
    current = nodePath().isAbsolute(link) ? link : nodePath().join(fs().realpathSync(nodePath().dirname(current)), link);
  }
  throw new Error(`more than ${MAX_LINKS} symbolic links in a chain (a loop?)`);
}

/**
 * The permission bits of the regular file at `target`, undefined when there is none yet.
 * @throws Error when `target` exists but is not a regular file (a directory, a device): renaming
 * over /dev/null, say, would replace the device itself.
 */
function existingMode(target: string): number | undefined {
  let stats: Stats;
  try {
    stats = fs().statSync(target);
  } catch (e) {
    if (isCode(e, 'ENOENT')) return undefined;
    throw e;
  }
  if (!stats.isFile()) throw new Error(stats.isDirectory() ? 'it is a directory' : 'it exists and is not a regular file');
  return stats.mode & 0o777; // not setuid, setgid or sticky bits, which a data file has no use for
}

function isCode(e: unknown, code: string): boolean {
  return (e as NodeJS.ErrnoException | null)?.code === code;
}

function removeQuietly(path: string): void {
  try {
    fs().unlinkSync(path);
  } catch {
    // Nothing to remove: the writer failed before creating it.
  }
}

/** Flushes the directory entry of the rename, where the platform allows it (not on Windows). */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs().openSync(dir, fs().constants.O_RDONLY);
    fs().fsyncSync(fd);
  } catch {
    // Best effort: the data itself is already on disk.
  } finally {
    if (fd !== undefined) fs().closeSync(fd);
  }
}
