/*
 * A second, tiny addon that links nothing but Node: setting an environment variable in the
 * process's own environment before the main addon (and with it OpenBLAS) loads. OpenBLAS reads
 * OPENBLAS_CORETYPE once, when it starts; process.env writes reach that environment only from
 * Node's main thread, while in a worker thread process.env is a copy, so src/addon.ts sets the
 * variable through this instead.
 */
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include "args.h"

/* The string in `value` into buf, whole: 0 (after throwing `message`) when it is not a string, is
 * empty, holds a NUL, or needs `size` bytes or more in UTF-8 (asked first, as a copy into buf would
 * stop short at a character boundary rather than say so). */
static int short_string(napi_env env, napi_value value, char *buf, size_t size, const char *message) {
  size_t length;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) return REQUIRE(env, 0, type_error, message);
  if (!REQUIRE(env, length > 0 && length < size, range_error, message)) return 0;
  if (napi_get_value_string_utf8(env, value, buf, size, &length) != napi_ok) return 0;
  return REQUIRE(env, strlen(buf) == length, range_error, message);
}

/* setIfUnset(name, value): sets the variable unless it is set already; returns whether it set it. */
static napi_value set_if_unset(napi_env env, napi_callback_info info) {
  napi_value args[2], out;
  char name[64], value[64];
  const char *message = "setIfUnset: the name and value must be strings of 1 to 63 bytes in UTF-8, without NUL, the name without '='";
  if (!arguments(env, info, 2, args, "setIfUnset: expected 2 arguments")
      || !short_string(env, args[0], name, sizeof name, message) || !short_string(env, args[1], value, sizeof value, message)
      || !REQUIRE(env, strchr(name, '=') == NULL, range_error, message)) return NULL;
  const int set = getenv(name) == NULL && setenv(name, value, 0) == 0;
  napi_get_boolean(env, set, &out);
  return out;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "setIfUnset", NAPI_AUTO_LENGTH, set_if_unset, NULL, &fn);
  napi_set_named_property(env, exports, "setIfUnset", fn);
  return exports;
}
