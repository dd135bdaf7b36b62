/**
 * Optional references in Python, from Debian's packages: PyTorch (python3-torch, see torch.ts) and
 * OpenBLAS's dgemm through numpy (python3-numpy, see openblas.ts). They run with Debian's own
 * python3, /usr/bin/python3, where apt puts those packages (not whichever python3 comes first on
 * PATH, such as a pyenv one with numpy wheels from PyPI bundling their own OpenBLAS). Each script
 * prints one line of JSON as its last line of stdout; without python, or without the package, the
 * rows that need it are left out and one line says how to install it, so neither `npm run bench`
 * nor `npm test` ever fails for their absence.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { openBlasCoreType } from '@adjoint/blas';

/** Debian's python3; ADJOINT_PYTHON overrides it (for a python3 whose packages come from elsewhere). */
export const PYTHON = process.env.ADJOINT_PYTHON ?? '/usr/bin/python3';

/** How to install the Python references, in one line (also in `npm run bench -- --help`). */
export const PYTHON_REFERENCES_INSTALL = 'apt-get install -y python3-torch python3-numpy libopenblas0-pthread';

/** What a reference script prints, parsed: its fields, or which module it could not import. */
export type ScriptOutput = { missing: string } | { result: Record<string, unknown> };

/**
 * The last non-empty line of a script's stdout, parsed as a JSON object (earlier lines, such as a
 * library's warnings, are ignored). `{ missing }` when the script said it could not import a module.
 * Throws when there is no such line.
 */
export function parseScriptOutput(stdout: string): ScriptOutput {
  const last = stdout.split('\n').map((line) => line.trim()).filter((line) => line.length > 0).pop();
  if (last === undefined) throw new Error('printed nothing');
  let parsed: unknown;
  try {
    parsed = JSON.parse(last);
  } catch {
    throw new Error(`printed no JSON on its last line: ${last.slice(0, 200)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`printed ${last.slice(0, 200)}, not a JSON object`);
  const record = parsed as Record<string, unknown>;
  if (typeof record.missing === 'string') return { missing: record.missing };
  return { result: record };
}

/** A number field of a script's result; throws when it is absent or not a finite number. */
export function numberField(result: Record<string, unknown>, key: string): number {
  const value = result[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`result has no number ${key}`);
  return value;
}

/** A field of finite numbers (the per-call seconds of each batch); [] when absent. */
export function numbersField(result: Record<string, unknown>, key: string): number[] {
  const value = result[key];
  return Array.isArray(value) && value.every((x) => typeof x === 'number' && Number.isFinite(x)) ? (value as number[]) : [];
}

/** The OpenBLAS a script's process loaded, as `blas()` in reference_timing.py reports it. */
export interface BlasInfo {
  /** The BLAS libraries mapped into the process. */
  libraries: string[];
  /** OpenBLAS's configuration line (version, kernel) and thread count; null when not OpenBLAS. */
  openblas: { config: string; threads: number | null } | null;
}

export function blasField(result: Record<string, unknown>): BlasInfo {
  const blas = result.blas as Partial<BlasInfo> | undefined;
  const openblas = blas?.openblas;
  return {
    libraries: Array.isArray(blas?.libraries) ? blas.libraries.filter((x): x is string => typeof x === 'string') : [],
    openblas: openblas && typeof openblas.config === 'string'
      ? { config: openblas.config, threads: typeof openblas.threads === 'number' ? openblas.threads : null }
      : null,
  };
}

/** The note when @adjoint/blas's native kernel is absent and the rows with OpenBLAS behind adjoint are left out. */
export const BLAS_MISSING = '@adjoint/blas\'s native kernel is not built, so the rows with OpenBLAS behind adjoint are left out (apt-get install libopenblas-dev, then npm rebuild @adjoint/blas)';

/**
 * OPENBLAS_CORETYPE for the reference runs: the environment's own when set, otherwise the one
 * `openBlasCoreType` (@adjoint/blas) picks from this machine's CPU flags (none off Linux), as
 * @adjoint/blas does for its own OpenBLAS.
 */
export function openblasCoreTypeEnv(): Record<string, string> {
  if (process.env.OPENBLAS_CORETYPE !== undefined) return {};
  const core = openBlasCoreType();
  return core === undefined ? {} : { OPENBLAS_CORETYPE: core };
}

const modules = new Map<string, boolean>();

/** Whether Debian's python3 exists and can find `module` (found without importing it, so quickly). */
export function hasPythonModule(module: string): boolean {
  const known = modules.get(module);
  if (known !== undefined) return known;
  let found = false;
  if (fs.existsSync(PYTHON)) {
    const probe = spawnSync(PYTHON, ['-c', `import importlib.util, sys; sys.exit(importlib.util.find_spec(${JSON.stringify(module)}) is None)`], {
      env: { ...process.env, PYTHONNOUSERSITE: '1' },
      stdio: 'ignore',
      timeout: 20_000,
    });
    found = probe.status === 0;
  }
  modules.set(module, found);
  return found;
}

const printed = new Set<string>();

/** Prints a note once per run (as tf.ts does for TensorFlow.js). */
export function noteOnce(text: string): void {
  if (printed.has(text)) return;
  printed.add(text);
  console.log(`  note: ${text}`);
}

/**
 * Runs one of the reference scripts beside this file with Debian's python3, `input` on stdin,
 * `env` added to this process's environment. Returns its parsed output, or null after a note when
 * the script failed (a crash of an optional reference leaves its rows out; it does not end the run).
 */
export function runReference(script: string, options: { args?: string[]; input?: Buffer; env?: Record<string, string>; what: string }): ScriptOutput | null {
  const run = spawnSync(PYTHON, [path.join(__dirname, script), ...(options.args ?? [])], {
    input: options.input,
    // No __pycache__ beside the scripts (reference_timing.py is imported), and no ~/.local packages.
    env: { ...process.env, PYTHONNOUSERSITE: '1', PYTHONDONTWRITEBYTECODE: '1', ...options.env },
    maxBuffer: 16 * 1024 * 1024,
    timeout: 300_000,
  });
  const stderr = run.stderr?.toString().trim() ?? '';
  const fail = (why: string): null => {
    noteOnce(`${options.what} left out: ${script} ${why}${stderr ? ` (${stderr.split('\n').slice(-3).join(' / ')})` : ''}`);
    return null;
  };
  if (run.error) return fail(`did not run: ${run.error.message}`);
  if (run.status !== 0) return fail(`exited with ${run.status ?? run.signal}`);
  try {
    return parseScriptOutput(run.stdout.toString());
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}

/**
 * A reference whose timings are fair only on Debian's OpenBLAS: runs `script` (as runReference)
 * when python3 has `module`, and returns its result with the BLAS it loaded; null after a note when
 * the module is missing (`missingNote`), the run failed, or its BLAS is not OpenBLAS (the netlib
 * reference BLAS is no fair reference; `leftOut` names the rows that go).
 */
export function runOpenblasReference(
  module: string,
  script: string,
  options: Parameters<typeof runReference>[1],
  missingNote: string,
  leftOut: string,
): { result: Record<string, unknown>; blas: BlasInfo & { openblas: NonNullable<BlasInfo['openblas']> } } | null {
  if (!hasPythonModule(module)) {
    noteOnce(missingNote);
    return null;
  }
  const output = runReference(script, options);
  if (output === null) return null;
  if ('missing' in output) {
    noteOnce(missingNote);
    return null;
  }
  const blas = blasField(output.result);
  if (blas.openblas === null) {
    noteOnce(`${module} under ${PYTHON} does not use Debian's OpenBLAS (it loaded ${blas.libraries.join(', ') || 'no libblas or libopenblas'}), so ${leftOut} are left out; \`apt-get install -y libopenblas0-pthread\` makes OpenBLAS its BLAS`);
    return null;
  }
  return { result: output.result, blas: { ...blas, openblas: blas.openblas } };
}
