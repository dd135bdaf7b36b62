/**
 * Anomaly detection: while on, every op result and every adjoint is checked for NaN and ±∞, and the
 * first op that produced one is named, with its shapes and where it was created.
 */
import type { Tensor } from './tensor';
import { GradError } from './errors';
import { formatShape } from './shape';
import { framesOutsideCore } from './caller';

let depth = 0;
/** Inside a backward rule, intermediate results are not forward values: only the adjoints it returns count. */
let backwardRules = 0;
const creationSites = new WeakMap<Tensor, string>();

/** Whether anomaly detection is on. */
export function anomalyDetection(): boolean {
  return depth > 0;
}

/** Runs `fn` with anomaly detection on. */
export function withAnomalyDetection<T>(fn: () => T): T {
  depth++;
  try {
    return fn();
  } finally {
    depth--;
  }
}

function firstNonFinite(data: Float64Array): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) return i;
  return -1;
}

/** The caller's stack without the engine's own frames: where the user created the op. */
function userStack(): string {
  return framesOutsideCore().slice(0, 4).map((l) => l.trim()).join('\n    ');
}

/** Checks a forward result; remembers where it was made, for later backward reports. */
export function checkForward(opName: string, inputs: readonly Tensor[], out: Tensor): void {
  if (backwardRules > 0) return;
  const site = userStack();
  creationSites.set(out, site);
  const bad = firstNonFinite(out.data);
  if (bad < 0) return;
  const inputsFinite = inputs.every((x) => firstNonFinite(x.data) < 0);
  const shapes = inputs.map((x) => formatShape(x._shape)).join(', ');
  const cause = inputsFinite ? 'from finite inputs' : 'because an input already held NaN or ±∞ (check the data passed in)';
  throw new GradError(
    `detectAnomaly: '${opName}' produced ${out.data[bad]} at element ${bad} of its ${formatShape(out._shape)} output ${cause}; ` +
      `input shapes ${shapes}\n  created at:\n    ${site}`,
  );
}

/** Runs an op's backward rule; its intermediate results are not checked as forward values. */
export function runBackwardRule<T>(rule: () => T): T {
  backwardRules++;
  try {
    return rule();
  } finally {
    backwardRules--;
  }
}

/** Checks the adjoints an op's backward rule returned. */
export function checkBackward(opName: string, out: Tensor, g: Tensor, inputs: readonly Tensor[], cotangents: readonly (Tensor | null)[]): void {
  cotangents.forEach((c, i) => {
    if (!c) return;
    const bad = firstNonFinite(c.data);
    if (bad < 0) return;
    const cause = firstNonFinite(g.data) < 0 ? 'from a finite output adjoint' : 'because its output adjoint was already non-finite';
    throw new GradError(
      `detectAnomaly: the backward rule of '${opName}' (output ${formatShape(out._shape)}) produced ${c.data[bad]} in the adjoint of input ${i} ` +
        `(${formatShape(inputs[i]!._shape)}) ${cause}\n  the op was created at:\n    ${creationSites.get(out) ?? 'unknown (created outside detectAnomaly)'}`,
    );
  });
}
