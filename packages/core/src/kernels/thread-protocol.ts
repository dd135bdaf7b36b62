/**
 * The control block the main thread and the kernel workers share (threads.ts, thread-worker.ts):
 * one slot of SLOT int32s per worker. A slot's state moves
 *
 *   STARTING → IDLE            the worker has instantiated the module (compare-and-exchange, so a
 *                              slot marked EXITED meanwhile stays so)
 *   IDLE → POSTED              the main thread has written a call into the slot
 *   POSTED → RUNNING           the worker has claimed the call
 *   POSTED → IDLE              the main thread has taken an unclaimed call back to make it itself
 *   RUNNING → IDLE             the call is done
 *   RUNNING → EXITED           the call threw; the worker ends and the main thread redoes the call
 *   IDLE → EXITED              the worker ended after idling, or was terminated
 *
 * Every move the two sides could race on is a compare-and-exchange, so a call is made exactly once.
 */
export const SLOT = 32;
export const STATE = 0;
export const FN = 1;
export const ARGC = 2;
/** 1 once the slot's current worker has instantiated the module (to tell workers that never start). */
export const STARTED = 3;
export const ARGS = 4;
export const MAX_ARGS = SLOT - ARGS;

export const STARTING = 0;
export const IDLE = 1;
export const POSTED = 2;
export const RUNNING = 3;
export const EXITED = 4;
