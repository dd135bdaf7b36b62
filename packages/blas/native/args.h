/*
 * Reading a call's arguments in the addon's functions (openblas.c, adam.c): each helper throws a
 * TypeError or RangeError naming the function and returns 0 when an argument is not what it must
 * be, so that no call from JavaScript can make a kernel read or write outside its arrays.
 */
#ifndef ADJOINT_BLAS_ARGS_H
#define ADJOINT_BLAS_ARGS_H

#include <node_api.h>
#include <stdint.h>

/* Throws a RangeError or TypeError with `message` unless the condition holds; returns whether it held. */
#define REQUIRE(env, condition, kind, message) \
  ((condition) ? 1 : (napi_throw_##kind((env), NULL, (message)), 0))

/* The call's arguments into args[0 … count); 0 (after throwing `message`) unless there are exactly `count`. */
static inline int arguments(napi_env env, napi_callback_info info, size_t count, napi_value *args, const char *message) {
  size_t argc = count;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok) return 0;
  return REQUIRE(env, argc == count, type_error, message);
}

/* The Float64Array in `value`: its elements and length; 0 (after throwing `message`) when it is not one. */
static inline int float64s(napi_env env, napi_value value, const char *message, double **data, int64_t *length) {
  bool is_typed = false;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return REQUIRE(env, 0, type_error, message);
  napi_typedarray_type type;
  size_t count;
  void *elements;
  if (napi_get_typedarray_info(env, value, &type, &count, &elements, NULL, NULL) != napi_ok) return 0;
  if (!REQUIRE(env, type == napi_float64_array, type_error, message)) return 0;
  *data = (double *)elements;
  *length = (int64_t)count;
  return 1;
}

/* A whole number from 0 to `max` in `value`; 0 (after throwing `message`) when it is not one. */
static inline int whole(napi_env env, napi_value value, int64_t max, const char *message, int64_t *out) {
  double x;
  if (napi_get_value_double(env, value, &x) != napi_ok) return REQUIRE(env, 0, type_error, message);
  if (!REQUIRE(env, x >= 0 && x <= (double)max && x == (double)(int64_t)x, range_error, message)) return 0;
  *out = (int64_t)x;
  return 1;
}

#endif
