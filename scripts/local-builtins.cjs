/**
 * One line that binds the standard built-ins to module-level constants, put at the top of every
 * module jest compiles (scripts/jest-transform.cjs) and of every bundle in dist/ (scripts/bundle.mjs).
 *
 * Jest runs test files, and every module they load, in a vm context, where Node answers each read
 * of a global name through an interceptor that V8 cannot optimize: on Node 20 a read of `Math` or
 * `Float64Array` costs a fraction of a microsecond there, so a loop reading `Math.imul` or
 * `Math.exp` each time round ran 50–400 times slower under jest than in node (the random
 * generator drew a million numbers in 1.5 s instead of 0.1 s). With these constants each such read
 * is a local one, in our tests and in a user's. The objects are the same, so `jest.spyOn(Math,
 * 'random')` and `instanceof Float64Array` behave as before. Left global: what jest replaces at run
 * time (timers, Date, performance) and what an environment may lack (SharedArrayBuffer, WebAssembly).
 */
const BUILTINS = [
  'Math', 'Number', 'Object', 'Array', 'JSON', 'String', 'Symbol', 'BigInt', 'Reflect', 'Atomics',
  'Map', 'Set', 'WeakMap', 'WeakSet', 'ArrayBuffer', 'DataView',
  'Float64Array', 'Float32Array', 'Int32Array', 'Uint32Array', 'Int16Array', 'Uint16Array',
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'BigInt64Array', 'BigUint64Array',
];

/** The line, with no line break, so that line numbers in stack traces do not move. */
const LOCAL_BUILTINS = `const { ${BUILTINS.join(', ')} } = globalThis;`;

module.exports = { LOCAL_BUILTINS };
