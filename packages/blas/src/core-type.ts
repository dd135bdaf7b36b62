import * as fs from 'node:fs';

/**
 * The OpenBLAS kernel (a value for OPENBLAS_CORETYPE) for a CPU with these /proc/cpuinfo flags —
 * by default this machine's, read from /proc/cpuinfo — or undefined to let OpenBLAS pick (no
 * AVX2, or not Linux). Debian's OpenBLAS 0.3.21 chooses its kernel from the CPU's model number; on
 * a CPU it does not recognise (a recent Xeon, or a virtual CPU named "Intel(R) Xeon(R) Processor")
 * it falls back to Prescott, SSE3 only, and its dgemm runs at a quarter to a third of its speed
 * (1024³ on one thread: 14.5 GFLOP/s against 51–64 with SkylakeX's AVX-512 kernel, on the machine
 * the benchmarks ran on). The flags say what the CPU can run.
 */
export function openBlasCoreType(cpuFlags: string = thisMachinesFlags()): string | undefined {
  const flags = new Set(cpuFlags.split(/\s+/));
  if (['avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl'].every((f) => flags.has(f))) return 'SkylakeX';
  if (flags.has('avx2') && flags.has('fma')) return 'Haswell';
  return undefined;
}

function thisMachinesFlags(): string {
  try {
    return /^flags\s*:(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '';
  } catch {
    return ''; // not Linux
  }
}
