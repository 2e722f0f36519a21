/*
 * X25519 (RFC 7748) batch kernel for ECDH private set intersection: one secret scalar times
 * many u-coordinates (SHA-256 digests of ids used directly as u). N-API entry points, backend
 * dispatch and the portable OpenSSL path; the 8-lane AVX-512 IFMA kernel is in x25519_ifma.c.
 *
 *   x25519Batch(scalar: Uint8Array(32), points: Uint8Array(32 n), out: Uint8Array(32 n))
 *     out[i] = X25519(scalar, points[i]) per RFC 7748 §5 (clamped scalar, bit 255 of u
 *     ignored, non-canonical u accepted, canonical output). Where OpenSSL / node:crypto refuse
 *     an all-zero shared secret (low-order point, RFC 7748 §6.1), 32 zero bytes are written.
 *   x25519Info() -> { backend: 'ifma' | 'openssl' }
 *
 * Dispatch (per call, so tests can exercise both paths in one process): the IFMA kernel when
 * the CPU has AVX-512F/VL + IFMA and FEDGRID_NATIVE_IFMA is not "0"; otherwise OpenSSL from
 * the node binary: the internal ossl_x25519() if the binary exports it (found with dlsym at
 * first use), else the public EVP_PKEY_derive API.
 *
 * Thread-safety: the only global is the once-resolved ossl_x25519 pointer (an atomic, the
 * resolution is idempotent); everything else lives on the stack or in per-call allocations.
 */
#include "fedgrid.h"
#include "x25519_ifma.h"

#include <dlfcn.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#define X25519_LEN 32

typedef int (*ossl_x25519_fn)(uint8_t out[32], const uint8_t priv[32], const uint8_t pub[32]);

/* 0: not resolved yet; 1: ossl_x25519 is not exported (use EVP); else the function. */
static _Atomic uintptr_t g_ossl_x25519;

static ossl_x25519_fn resolve_ossl_x25519(void) {
#ifdef FG_X25519_FORCE_EVP /* build-time switch to test the EVP fallback */
  return NULL;
#endif
  uintptr_t v = atomic_load_explicit(&g_ossl_x25519, memory_order_acquire);
  if (v == 0) {
    void *sym = dlsym(RTLD_DEFAULT, "ossl_x25519");
    v = sym ? (uintptr_t)sym : (uintptr_t)1;
    atomic_store_explicit(&g_ossl_x25519, v, memory_order_release);
  }
  return v == 1 ? NULL : (ossl_x25519_fn)v;
}

static int use_ifma(void) {
#ifdef FG_X25519_IFMA_KERNEL
  const char *env = getenv("FEDGRID_NATIVE_IFMA");
  if (env && strcmp(env, "0") == 0) return 0;
  /* libgcc fills the CPU model in a load-time constructor, so no __builtin_cpu_init() here
   * (it would write shared state from several threads). */
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512ifma");
#else
  return 0;
#endif
}

/* Zero a secret buffer; the barrier keeps the compiler from dropping the dead stores. */
static void wipe(void *p, size_t n) {
  memset(p, 0, n);
  __asm__ __volatile__("" : : "r"(p) : "memory");
}

/* OpenSSL path. Returns 0 on success, -1 on an OpenSSL failure other than the refused
 * all-zero result (allocation failure and the like). */
static int x25519_openssl(const uint8_t scalar[32], const uint8_t *points, uint8_t *out,
                          size_t n) {
  ossl_x25519_fn fn = resolve_ossl_x25519();
  uint8_t pt[X25519_LEN];
  if (fn) {
    for (size_t i = 0; i < n; i++) {
      memcpy(pt, points + X25519_LEN * i, X25519_LEN);
      /* Returns 0 exactly when the result is all zeros (low-order point). */
      if (!fn(out + X25519_LEN * i, scalar, pt)) memset(out + X25519_LEN * i, 0, X25519_LEN);
    }
    return 0;
  }

  /* Leave this thread's OpenSSL error queue as we found it: the refused all-zero secrets
   * push errors that node:crypto must not see later. */
  ERR_set_mark();
  int rc = 0;
  EVP_PKEY *priv = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, scalar, X25519_LEN);
  if (!priv) {
    ERR_pop_to_mark();
    return -1;
  }
  for (size_t i = 0; i < n && rc == 0; i++) {
    uint8_t *o = out + X25519_LEN * i;
    memcpy(pt, points + X25519_LEN * i, X25519_LEN);
    EVP_PKEY *pub = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, pt, X25519_LEN);
    EVP_PKEY_CTX *ctx = pub ? EVP_PKEY_CTX_new(priv, NULL) : NULL;
    if (!ctx || EVP_PKEY_derive_init(ctx) <= 0 || EVP_PKEY_derive_set_peer(ctx, pub) <= 0) {
      rc = -1;
    } else {
      uint8_t secret[X25519_LEN];
      size_t len = sizeof secret;
      if (EVP_PKEY_derive(ctx, secret, &len) > 0 && len == X25519_LEN) {
        memcpy(o, secret, X25519_LEN);
      } else {
        /* With valid keys and a 32-byte buffer the only way the X25519 derive fails is
         * OpenSSL refusing the all-zero secret (ecx_derive: ossl_x25519() returned 0). */
        memset(o, 0, X25519_LEN);
      }
      wipe(secret, sizeof secret);
    }
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pub);
  }
  EVP_PKEY_free(priv);
  ERR_pop_to_mark();
  return rc;
}

napi_value fg_x25519_batch(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 3)
    return fg_throw_type(env, "x25519Batch(scalar, points, out) expects 3 arguments, got %zu",
                         argc);

  uint8_t *scalar, *points, *out;
  size_t slen, plen, olen;
  if (fg_arg_u8(env, argv[0], "scalar", &scalar, &slen)) return NULL;
  if (fg_arg_u8(env, argv[1], "points", &points, &plen)) return NULL;
  if (fg_arg_u8(env, argv[2], "out", &out, &olen)) return NULL;
  if (slen != X25519_LEN)
    return fg_throw_range(env, "scalar must be exactly 32 bytes, got %zu", slen);
  if (plen % X25519_LEN != 0)
    return fg_throw_range(env, "points length must be a multiple of 32, got %zu", plen);
  if (olen != plen)
    return fg_throw_range(env, "out must have the same length as points (%zu bytes), got %zu",
                          plen, olen);
  size_t n = plen / X25519_LEN;
  if (n == 0) return NULL;

  /* The kernels read a point before writing its result, so out == points is fine; any other
   * overlap (or an overlap with the scalar) is resolved by copying the inputs first. */
  uint8_t sc[X25519_LEN];
  memcpy(sc, scalar, X25519_LEN);
  const uint8_t *in = points;
  uint8_t *copy = NULL;
  if (out != points && out < points + plen && points < out + olen) {
    copy = malloc(plen);
    if (!copy) {
      napi_throw_error(env, "ERR_FEDGRID_NATIVE_OOM", "x25519Batch: out of memory");
      return NULL;
    }
    memcpy(copy, points, plen);
    in = copy;
  }

  int rc = 0;
#ifdef FG_X25519_IFMA_KERNEL
  if (use_ifma()) fg_x25519_ifma_batch(sc, in, out, n);
  else
#endif
    rc = x25519_openssl(sc, in, out, n);

  wipe(sc, sizeof sc);
  free(copy);
  if (rc != 0) {
    napi_throw_error(env, "ERR_FEDGRID_NATIVE_OPENSSL", "x25519Batch: OpenSSL X25519 failed");
    return NULL;
  }
  return NULL;
}

napi_value fg_x25519_info(napi_env env, napi_callback_info info) {
  napi_value obj, backend;
  const char *name = use_ifma() ? "ifma" : "openssl";
  if (napi_create_object(env, &obj) != napi_ok) return NULL;
  if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &backend) != napi_ok) return NULL;
  if (napi_set_named_property(env, obj, "backend", backend) != napi_ok) return NULL;
  return obj;
}
