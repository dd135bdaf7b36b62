/**
 * ts-jest, with every module it compiles starting by binding the built-ins it uses to local
 * constants (see local-builtins.cjs for why: jest's vm context makes each global read slow).
 */
const { TsJestTransformer } = require('ts-jest');
const { LOCAL_BUILTINS } = require('./local-builtins.cjs');

/** `code` with the line after its "use strict" directive (before it, the directive would be void). */
function withLocalBuiltins(code) {
  const directive = /^(\s*(['"])use strict\2;?)/.exec(code);
  const at = directive === null ? 0 : directive[1].length;
  return code.slice(0, at) + LOCAL_BUILTINS + code.slice(at);
}

class LocalBuiltinsTransformer extends TsJestTransformer {
  process(source, path, options) {
    const result = super.process(source, path, options);
    return { ...result, code: withLocalBuiltins(result.code) };
  }

  getCacheKey(source, path, options) {
    return `${super.getCacheKey(source, path, options)}:${LOCAL_BUILTINS}`;
  }
}

module.exports = {
  createTransformer: (config) => new LocalBuiltinsTransformer(config),
};
