/**
 * ts-jest, with every module it compiles reading the standard built-ins it uses from local
 * constants rather than from the global object.
 *
 * Jest runs each test file in a vm context, and Node answers every read of a global name there
 * through an interceptor that V8 cannot optimize: on Node 20 a read of `Math` or `Float64Array`
 * costs a fraction of a microsecond, so a kernel loop calling `Math.exp` per element, or a random
 * generator calling `Math.imul`, ran 50–400 times slower under jest than in node. One line of
 * constants at the top of each module makes those reads local. The objects are the same ones, so
 * `jest.spyOn(Math, 'random')` and `instanceof Float64Array` behave as before; names jest itself
 * replaces at run time (timers, Date, performance) are left global.
 */
const { TsJestTransformer } = require('ts-jest');

const BUILTINS = [
  'Math', 'Number', 'Object', 'Array', 'JSON', 'String', 'Symbol', 'BigInt', 'Reflect', 'Atomics',
  'Map', 'Set', 'WeakMap', 'WeakSet', 'ArrayBuffer', 'SharedArrayBuffer', 'DataView',
  'Float64Array', 'Float32Array', 'Int32Array', 'Uint32Array', 'Int16Array', 'Uint16Array',
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'BigInt64Array', 'BigUint64Array',
];
// On the first line, so that line numbers in stack traces stay those of the compiled code.
const PRELUDE = `const { ${BUILTINS.join(', ')} } = globalThis;`;

/** `code` with the prelude after its "use strict" directive (before it, the directive would be void). */
function withPrelude(code) {
  const directive = /^(\s*(['"])use strict\2;?)/.exec(code);
  return directive === null ? PRELUDE + code : directive[1] + PRELUDE + code.slice(directive[1].length);
}

class LocalBuiltinsTransformer extends TsJestTransformer {
  process(source, path, options) {
    const result = super.process(source, path, options);
    return { ...result, code: withPrelude(result.code) };
  }

  getCacheKey(source, path, options) {
    return `${super.getCacheKey(source, path, options)}:${PRELUDE}`;
  }
}

module.exports = {
  createTransformer: (config) => new LocalBuiltinsTransformer(config),
};
