/* FedGrid native module: registration and argument helpers. See fedgrid.h. */
#include "fedgrid.h"

#include <stdarg.h>
#include <stdio.h>

static napi_value throw_fmt(napi_env env, int range, const char *fmt, va_list ap) {
  char msg[512];
  vsnprintf(msg, sizeof msg, fmt, ap);
  if (range) napi_throw_range_error(env, "ERR_FEDGRID_NATIVE_ARG", msg);
  else napi_throw_type_error(env, "ERR_FEDGRID_NATIVE_ARG", msg);
  return NULL;
}

napi_value fg_throw_range(napi_env env, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  throw_fmt(env, 1, fmt, ap);
  va_end(ap);
  return NULL;
}

napi_value fg_throw_type(napi_env env, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  throw_fmt(env, 0, fmt, ap);
  va_end(ap);
  return NULL;
}

int fg_arg_u8(napi_env env, napi_value v, const char *name, uint8_t **data, size_t *len) {
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) {
    fg_throw_type(env, "%s must be a Uint8Array", name);
    return -1;
  }
  napi_typedarray_type t;
  size_t n;
  void *p;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &t, &n, &p, &ab, &off) != napi_ok || t != napi_uint8_array) {
    fg_throw_type(env, "%s must be a Uint8Array", name);
    return -1;
  }
  *data = (uint8_t *)p;
  *len = n;
  return 0;
}

int fg_arg_i32arr(napi_env env, napi_value v, const char *name, int32_t **data, size_t *len) {
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) {
    fg_throw_type(env, "%s must be an Int32Array", name);
    return -1;
  }
  napi_typedarray_type t;
  size_t n;
  void *p;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &t, &n, &p, &ab, &off) != napi_ok || t != napi_int32_array) {
    fg_throw_type(env, "%s must be an Int32Array", name);
    return -1;
  }
  *data = (int32_t *)p;
  *len = n;
  return 0;
}

int fg_arg_u32(napi_env env, napi_value v, const char *name, uint32_t *out) {
  napi_valuetype vt;
  if (napi_typeof(env, v, &vt) != napi_ok || vt != napi_number) {
    fg_throw_type(env, "%s must be a number", name);
    return -1;
  }
  double d;
  napi_get_value_double(env, v, &d);
  if (!(d >= 0 && d <= 4294967295.0) || d != (double)(uint32_t)d) {
    fg_throw_range(env, "%s must be an integer in [0, 2^32), got %g", name, d);
    return -1;
  }
  *out = (uint32_t)d;
  return 0;
}

#define EXPORT_FN(name, fn)                                                      \
  do {                                                                           \
    napi_value f;                                                                \
    if (napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &f) != napi_ok) \
      return NULL;                                                               \
    if (napi_set_named_property(env, exports, name, f) != napi_ok) return NULL;  \
  } while (0)

NAPI_MODULE_INIT() {
  EXPORT_FN("modCreate", fg_mod_create);
  EXPORT_FN("modInfo", fg_mod_info);
  EXPORT_FN("modMul", fg_mod_mul);
  EXPORT_FN("modPow", fg_mod_pow);
  EXPORT_FN("modFixedBaseTableSize", fg_mod_fb_table_size);
  EXPORT_FN("modFixedBaseTableInit", fg_mod_fb_table_init);
  EXPORT_FN("modFixedBasePow", fg_mod_fb_pow);
  EXPORT_FN("modMultiExp", fg_mod_multi_exp);
  EXPORT_FN("x25519Batch", fg_x25519_batch);
  EXPORT_FN("x25519Info", fg_x25519_info);
  EXPORT_FN("sm2MulX", fg_sm2_mul_x);
  EXPORT_FN("sm2XOnCurve", fg_sm2_x_on_curve);
  EXPORT_FN("sm2HashToX", fg_sm2_hash_to_x);
  EXPORT_FN("sm2Info", fg_sm2_info);
  return exports;
}
