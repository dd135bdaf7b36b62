/**
 * Version counting, as PyTorch does it: a backward pass must see the values its graph recorded, so
 * an in-place write (`assign`) after an op recorded a tensor makes a backward through that op a
 * GradError instead of a gradient computed from mixed values.
 *
 * One counter of writes serves every tensor. An op stamps its result with the count when it is
 * recorded; an array remembers the count at its latest write. A backward pass checks a node only
 * when some write happened since the node was recorded (the counter moved), so a training loop,
 * which writes its parameters between steps and never within one, pays one comparison per node.
 *
 * Writes are keyed by the data array, not the tensor: `detach()` and `reshape` share the array
 * itself, and a write through any of them changes what the others hold.
 */
import type { Tensor } from './tensor';
import { GradError } from './errors';
import { formatShape } from './shape';
import { inputAt, inputCount } from './inputs';

let writes = 0;
const lastWrite = new WeakMap<Float64Array, number>();

/** The number of in-place writes so far: what a recorded op is stamped with. */
export function writeCount(): number {
  return writes;
}

/** Notes an in-place write to `data`. */
export function noteWrite(data: Float64Array): void {
  lastWrite.set(data, ++writes);
}

/**
 * Throws a GradError if a tensor that `t`'s op recorded — an input, or `t` itself, which rules
 * such as exp's read — was written in place after the op recorded it.
 */
export function checkRecordedValues(t: Tensor): void {
  const stamp = t._recordedAt;
  if (stamp === writes) return;
  const count = inputCount(t);
  for (let i = -1; i < count; i++) {
    const x = i < 0 ? t : inputAt(t, i);
    const written = lastWrite.get(x.data);
    if (written !== undefined && written > stamp) {
      const which = i < 0 ? 'its own output' : `its input ${i}`;
      throw new GradError(
        `backward: '${t._op!.name}' (output ${formatShape(t._shape)}) recorded ${which}, a ${formatShape(x._shape)} tensor, ` +
          'which was changed in place (assign) since; run the forward pass again after changing it',
      );
    }
  }
}
