/*
 * FedGrid native kernels: declarations shared by the N-API module and the kernel files.
 *
 * Conventions for every kernel:
 *  - Big integers cross the JS boundary as little-endian unsigned byte strings of a fixed
 *    width L (the modulus' byte length, ceil(bits / 8)); a batch of n numbers is one
 *    Uint8Array of n * L bytes.
 *  - Kernels are synchronous and are called from worker threads; they never touch JS state
 *    other than their arguments and must be thread-safe (no mutable globals).
 *  - Bad arguments raise a JS TypeError/RangeError with a message naming the argument; a
 *    kernel never aborts the process.
 *  - OpenSSL comes from the Node.js binary itself (Node re-exports its OpenSSL symbols for
 *    addons; see https://nodejs.org/api/addons.html, "Linking to libraries included with
 *    Node.js").
 */
#ifndef FEDGRID_H
#define FEDGRID_H

#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

/* Modular arithmetic (Paillier kernels), native/modarith.c (+ modarith_ifma.c). */
napi_value fg_mod_create(napi_env env, napi_callback_info info);
napi_value fg_mod_info(napi_env env, napi_callback_info info);
napi_value fg_mod_mul(napi_env env, napi_callback_info info);
napi_value fg_mod_pow(napi_env env, napi_callback_info info);
napi_value fg_mod_fb_table_size(napi_env env, napi_callback_info info);
napi_value fg_mod_fb_table_init(napi_env env, napi_callback_info info);
napi_value fg_mod_fb_pow(napi_env env, napi_callback_info info);
napi_value fg_mod_multi_exp(napi_env env, napi_callback_info info);

/* X25519 (ECDH-PSI kernels), native/x25519.c (+ x25519_ifma.c). */
napi_value fg_x25519_batch(napi_env env, napi_callback_info info);
napi_value fg_x25519_info(napi_env env, napi_callback_info info);

/* SM2 x-only scalar multiplication (SM2-PSI kernels), native/sm2.c. Unlike the modular
 * kernels, scalars and x-coordinates are big-endian (the SM2 / SEC 1 encoding). */
napi_value fg_sm2_mul_x(napi_env env, napi_callback_info info);
napi_value fg_sm2_x_on_curve(napi_env env, napi_callback_info info);
napi_value fg_sm2_hash_to_x(napi_env env, napi_callback_info info);
napi_value fg_sm2_info(napi_env env, napi_callback_info info);

/* Small helpers for argument checking, defined in module.c. Each returns 0 on success and
 * has already thrown a JS exception on failure (the caller returns NULL). */
int fg_arg_u8(napi_env env, napi_value v, const char *name, uint8_t **data, size_t *len);
int fg_arg_i32arr(napi_env env, napi_value v, const char *name, int32_t **data, size_t *len);
int fg_arg_u32(napi_env env, napi_value v, const char *name, uint32_t *out);
napi_value fg_throw_range(napi_env env, const char *fmt, ...);
napi_value fg_throw_type(napi_env env, const char *fmt, ...);

#endif
