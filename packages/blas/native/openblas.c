/*
 * The native half of @adjoint/blas: OpenBLAS's dgemm on the memory of Float64Arrays, with no copy,
 * OpenBLAS's thread count and configuration, and the addon's exports (Adam's update is in adam.c).
 * src/openblas.ts is the only caller; it has checked the operands already, and this file checks
 * them again, so that no call from JavaScript can make dgemm read or write outside the arrays it
 * was given.
 */
#include <node_api.h>
#include <cblas.h>
#include <stdint.h>
#include <string.h>
#include "adam.h"
#include "args.h"

/* OpenBLAS's own functions (declared in its cblas.h on Debian; repeated here for other builds). */
void openblas_set_num_threads(int);
int openblas_get_num_threads(void);
char *openblas_get_config(void);

/* dgemm(a, aOffset, b, bOffset, c, cOffset, m, n, k, transA, transB): C = op(A)·op(B), row-major,
 * overwriting c[cOffset … cOffset + m·n). op(A) is m×k (A stored [k, m] when transA), op(B) k×n. */
static napi_value dgemm(napi_env env, napi_callback_info info) {
  napi_value args[11];
  if (!arguments(env, info, 11, args, "dgemm: expected 11 arguments")) return NULL;
  double *a, *b, *c;
  int64_t aLength, bLength, cLength, aOffset, bOffset, cOffset, m, n, k;
  bool transA, transB;
  const char *notArrays = "dgemm: operands must be Float64Arrays", *notSizes = "dgemm: sizes and offsets must be whole numbers in range";
  if (!float64s(env, args[0], notArrays, &a, &aLength) || !float64s(env, args[2], notArrays, &b, &bLength)
      || !float64s(env, args[4], notArrays, &c, &cLength)) return NULL;
  /* cblas takes int sizes: at most 2³¹ − 1 each, so every product of two fits in 64 bits. */
  if (!whole(env, args[1], aLength, notSizes, &aOffset) || !whole(env, args[3], bLength, notSizes, &bOffset)
      || !whole(env, args[5], cLength, notSizes, &cOffset) || !whole(env, args[6], INT32_MAX, notSizes, &m)
      || !whole(env, args[7], INT32_MAX, notSizes, &n) || !whole(env, args[8], INT32_MAX, notSizes, &k)) return NULL;
  if (napi_get_value_bool(env, args[9], &transA) != napi_ok || napi_get_value_bool(env, args[10], &transB) != napi_ok) {
    (void)REQUIRE(env, 0, type_error, "dgemm: transA and transB must be booleans");
    return NULL;
  }
  if (!REQUIRE(env, m * k <= aLength - aOffset && k * n <= bLength - bOffset && m * n <= cLength - cOffset,
      range_error, "dgemm: an operand does not fit in its array from its offset")) return NULL;
  double *cStart = c + cOffset, *cEnd = cStart + m * n;
  double *aStart = a + aOffset, *bStart = b + bOffset;
  if (m == 0 || n == 0) return NULL;
  if (k == 0) { /* a sum of nothing, reading no operand; cblas would need a leading dimension of at least 1 */
    memset(cStart, 0, (size_t)(m * n) * sizeof(double));
    return NULL;
  }
  if (!REQUIRE(env, (cEnd <= aStart || aStart + m * k <= cStart) && (cEnd <= bStart || bStart + k * n <= cStart),
      range_error, "dgemm: the result must not overlap an operand")) return NULL;
  /* beta = 0: C is written, never read, so whatever the array held before cannot leak in. */
  cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
    (int)m, (int)n, (int)k, 1.0, aStart, transA ? (int)m : (int)k, bStart, transB ? (int)k : (int)n, 0.0, cStart, (int)n);
  return NULL;
}

static napi_value set_threads(napi_env env, napi_callback_info info) {
  napi_value arg;
  int64_t count;
  if (!arguments(env, info, 1, &arg, "setThreads: expected 1 argument")
      || !whole(env, arg, 1024, "setThreads: the count must be a whole number up to 1024", &count)) return NULL;
  if (!REQUIRE(env, count >= 1, range_error, "setThreads: the count must be at least 1")) return NULL;
  openblas_set_num_threads((int)count);
  return NULL;
}

static napi_value threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  napi_create_int32(env, openblas_get_num_threads(), &out);
  return out;
}

static napi_value config(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &out);
  return out;
}

NAPI_MODULE_INIT() {
  const char *names[] = { "dgemm", "setThreads", "threads", "config", "adamUpdate", "squaresFinite" };
  napi_callback functions[] = { dgemm, set_threads, threads, config, adam_update, squares_finite };
  for (int i = 0; i < 6; i++) {
    napi_value fn;
    napi_create_function(env, names[i], NAPI_AUTO_LENGTH, functions[i], NULL, &fn);
    napi_set_named_property(env, exports, names[i], fn);
  }
  return exports;
}
