// A jest environment for tests that call native addons returning typed arrays (onnxruntime-node):
// jest's node environment gives each test file its own Float64Array, Float32Array, … (it shares
// only Buffer, ArrayBuffer and Uint8Array with Node), so an array the addon makes is not an
// `instanceof Float64Array` inside the test, and onnxruntime-common refuses its own outputs.
// Here every typed array constructor and DataView is Node's own, as jest already does for
// Uint8Array. Select it with a docblock at the top of a test file:
//   /** @jest-environment ./test/support/native-typed-arrays.environment.cjs */
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'Int8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
  'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array', 'DataView',
];

class NativeTypedArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = NativeTypedArraysEnvironment;
