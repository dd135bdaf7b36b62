/*
 * Adam's update in place on the memory of Float64Arrays, and a check that an array holds no NaN or
 * ±∞: with no copy in or out, the update reads and writes each element once, half the memory
 * traffic of core's WebAssembly path, which must copy the weights and gradient into its memory.
 *
 * Each element goes through exactly the operations of adamUpdateJs in @adjoint/core, in the same
 * order, each rounded once (no fused multiply-add: binding.gyp passes -ffp-contract=off, and the
 * pragma below says the same to clang), so results are bit-identical to it. The arrays must not
 * share memory, which is what lets the compiler vectorize the loop; core's adamUpdate only hands
 * the kernel arrays that do not, and this file checks again.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "adam.h"
#include "args.h"

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

/* Whether the n doubles at x and at y share memory (compared as addresses: pointers into different
 * arrays cannot be ordered in C). */
static int overlap(const double *x, const double *y, int64_t n) {
  const uintptr_t a = (uintptr_t)x, b = (uintptr_t)y, bytes = (uintptr_t)n * sizeof(double);
  return a < b + bytes && b < a + bytes;
}

/* adamUpdate(w, g, m, v, c): for every i, with c = [stepSize, eps, beta1, a1, beta2, a2, keep, coupled],
 *   w' = w·keep, g' = g + w'·coupled, m = m·beta1 + g'·a1, v = v·beta2 + g'·g'·a2,
 *   w = w' − (stepSize·m)/(√v + eps). */
napi_value adam_update(napi_env env, napi_callback_info info) {
  napi_value args[5];
  if (!arguments(env, info, 5, args, "adamUpdate: expected 5 arguments")) return NULL;
  double *w, *g, *m, *v, *c;
  int64_t n, ng, nm, nv, nc;
  const char *notArrays = "adamUpdate: weights, gradient, moments and coefficients must be Float64Arrays";
  if (!float64s(env, args[0], notArrays, &w, &n) || !float64s(env, args[1], notArrays, &g, &ng)
      || !float64s(env, args[2], notArrays, &m, &nm) || !float64s(env, args[3], notArrays, &v, &nv)
      || !float64s(env, args[4], notArrays, &c, &nc)) return NULL;
  if (!REQUIRE(env, ng == n && nm == n && nv == n, range_error, "adamUpdate: weights, gradient and moments must have the same length")
      || !REQUIRE(env, nc == 8, range_error, "adamUpdate: there must be 8 coefficients")) return NULL;
  if (!REQUIRE(env, !overlap(w, g, n) && !overlap(w, m, n) && !overlap(w, v, n) && !overlap(g, m, n) && !overlap(g, v, n) && !overlap(m, v, n),
      range_error, "adamUpdate: weights, gradient and moments must not share memory")) return NULL;
  /* Read before the loop: the coefficients may sit in any memory, even one of the arrays. */
  const double stepSize = c[0], eps = c[1], beta1 = c[2], a1 = c[3], beta2 = c[4], a2 = c[5], keep = c[6], coupled = c[7];
  double *restrict wr = w, *restrict mr = m, *restrict vr = v;
  const double *restrict gr = g;
  for (int64_t i = 0; i < n; i++) {
    const double wi = wr[i] * keep;
    const double gi = gr[i] + wi * coupled;
    const double mi = mr[i] * beta1 + gi * a1;
    const double vi = vr[i] * beta2 + gi * gi * a2;
    mr[i] = mi;
    vr[i] = vi;
    wr[i] = wi - (stepSize * mi) / (sqrt(vi) + eps);
  }
  return NULL;
}

/* squaresFinite(x): whether the square of every element of x is finite: no NaN or ±∞, and no
 * |x| ≥ 2^512, whose square overflows (the update squares the gradient, and v would become ∞ for
 * good). Σ x²·0 is 0 exactly when that holds (x²·0 is ±0 for a finite x² and NaN otherwise), in
 * whatever order it is summed: here in four sums of pairs
 * with GCC's and Clang's vector extension, which compile to SIMD on any CPU (a single running sum
 * would not be vectorized), or one by one elsewhere. */
#if defined(__GNUC__)
typedef double pair __attribute__((vector_size(16)));
#endif

napi_value squares_finite(napi_env env, napi_callback_info info) {
  napi_value arg, out;
  double *x;
  int64_t n;
  if (!arguments(env, info, 1, &arg, "squaresFinite: expected 1 argument")
      || !float64s(env, arg, "squaresFinite: the argument must be a Float64Array", &x, &n)) return NULL;
  double sum = 0;
  int64_t i = 0;
#if defined(__GNUC__)
  pair s0 = { 0, 0 }, s1 = { 0, 0 }, s2 = { 0, 0 }, s3 = { 0, 0 }, p0, p1, p2, p3;
  for (; i + 8 <= n; i += 8) {
    memcpy(&p0, x + i, sizeof p0); /* memcpy: the array need not be 16-byte aligned */
    memcpy(&p1, x + i + 2, sizeof p1);
    memcpy(&p2, x + i + 4, sizeof p2);
    memcpy(&p3, x + i + 6, sizeof p3);
    s0 += p0 * p0 * 0.0;
    s1 += p1 * p1 * 0.0;
    s2 += p2 * p2 * 0.0;
    s3 += p3 * p3 * 0.0;
  }
  pair s = (s0 + s1) + (s2 + s3);
  sum = s[0] + s[1];
#endif
  for (; i < n; i++) sum += x[i] * x[i] * 0.0;
  napi_get_boolean(env, sum == 0, &out);
  return out;
}
