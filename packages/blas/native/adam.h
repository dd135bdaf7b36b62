/* Adam's update and the finiteness check on the memory of Float64Arrays (adam.c). */
#ifndef ADJOINT_BLAS_ADAM_H
#define ADJOINT_BLAS_ADAM_H

#include <node_api.h>

napi_value adam_update(napi_env env, napi_callback_info info);
napi_value squares_finite(napi_env env, napi_callback_info info);

#endif
