/*
 * Modular arithmetic kernels behind Paillier (see src/kernels/mod-arith.ts for the contract).
 *
 * This file holds the N-API entry points, all argument validation, the fixed-base table header,
 * and the portable native backend on OpenSSL's BN Montgomery arithmetic (Montgomery 1985,
 * "Modular multiplication without trial division"; OpenSSL's bn_mul_mont is the CIOS loop of
 * Koc-Acar-Kaliski 1996). When the CPU has AVX-512 IFMA (and FEDGRID_NATIVE_IFMA is not "0"
 * when the context is created), the four operations run on the radix-2^52 kernels of
 * modarith_ifma.c instead; the glue, checks and the final modular inversion stay here.
 *
 * Thread safety: a context is immutable after modCreate (BN_MONT_CTX and the modulus are only
 * read through const pointers), every call allocates its own BN_CTX and scratch, and there is no
 * mutable global state. Every error path frees what it allocated and raises a JS exception.
 */
#include "fedgrid.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>

/* ---- IFMA backend, implemented in modarith_ifma.c (radix 2^52, AVX-512 IFMA) ------------- */
typedef struct fg_ifma fg_ifma;
int fg_ifma_supported(void);
fg_ifma *fg_ifma_new(const uint8_t *mod_le, size_t len);
void fg_ifma_free(fg_ifma *c);
int fg_ifma_limbs(const fg_ifma *c);
size_t fg_ifma_fb_entry_bytes(const fg_ifma *c);
int fg_ifma_mul(const fg_ifma *c, const uint8_t *a, const uint8_t *b, int b_single, size_t n,
                uint8_t *out);
int fg_ifma_pow(const fg_ifma *c, const uint8_t *bases, size_t n, const uint8_t *e, size_t elen,
                uint8_t *out);
int fg_ifma_fb_init(const fg_ifma *c, const uint8_t *base, unsigned exp_bits, unsigned window,
                    uint8_t *entries);
int fg_ifma_fb_pow(const fg_ifma *c, const uint8_t *entries, unsigned exp_bits, unsigned window,
                   const uint8_t *exps, size_t n, uint8_t *out);
int fg_ifma_multiexp(const fg_ifma *c, const uint8_t *bases, size_t nb, const int32_t *exps,
                     size_t columns, uint8_t *pos_out, uint8_t *neg_out);

/* ---- context ----------------------------------------------------------------------------- */

#define FG_MOD_MAGIC 0x464d4f44u /* "FMOD": guards against foreign externals */
#define FG_MAX_MOD_BITS 32768    /* contract: "any size up to at least 8192 bits" */
#define FG_MAX_EXP_BITS 16384    /* fixed-base tables */
#define FG_MAX_WINDOW 16

enum { BACKEND_OPENSSL = 0, BACKEND_IFMA = 1 };

typedef struct {
  uint32_t magic;
  int backend;
  uint32_t bits;      /* bit length of M */
  size_t L;           /* bytes per element = ceil(bits / 8) */
  uint8_t *m_le;      /* M, L bytes little-endian (for cheap "x < M" checks) */
  uint64_t m_hash;    /* FNV-1a of m_le, stored in fixed-base table headers */
  BIGNUM *m;
  BN_MONT_CTX *mont;  /* OpenSSL Montgomery context (also used by the IFMA backend's glue) */
  BIGNUM *one_mont;   /* R mod M for OpenSSL's R: Montgomery form of 1 */
  fg_ifma *ifma;      /* non-NULL iff backend == BACKEND_IFMA */
} fg_mod;

static void mod_free(fg_mod *c) {
  if (!c) return;
  c->magic = 0;
  BN_free(c->m);
  BN_free(c->one_mont);
  BN_MONT_CTX_free(c->mont);
  if (c->ifma) fg_ifma_free(c->ifma);
  free(c->m_le);
  free(c);
}

static void mod_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  mod_free((fg_mod *)data);
}

static uint64_t fnv1a(const uint8_t *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

static napi_value throw_oom(napi_env env, const char *what) {
  napi_throw_error(env, "ERR_FEDGRID_NATIVE_OOM", what);
  return NULL;
}

static napi_value throw_internal(napi_env env, const char *what) {
  napi_throw_error(env, "ERR_FEDGRID_NATIVE_INTERNAL", what);
  return NULL;
}

/* x < M for a little-endian value of exactly L bytes. Compares from the top, so it usually
 * decides on the first byte. */
static int lt_mod(const fg_mod *c, const uint8_t *x) {
  for (size_t i = c->L; i-- > 0;) {
    if (x[i] != c->m_le[i]) return x[i] < c->m_le[i];
  }
  return 0;
}

/* Returns the index of the first element >= M, or (size_t)-1 when all are < M. */
static size_t first_not_reduced(const fg_mod *c, const uint8_t *xs, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!lt_mod(c, xs + i * c->L)) return i;
  return (size_t)-1;
}

static int get_ctx(napi_env env, napi_value v, fg_mod **out) {
  napi_valuetype t;
  void *p = NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external ||
      napi_get_value_external(env, v, &p) != napi_ok || p == NULL ||
      ((fg_mod *)p)->magic != FG_MOD_MAGIC) {
    fg_throw_type(env, "ctx must be a context returned by modCreate");
    return -1;
  }
  *out = (fg_mod *)p;
  return 0;
}

/* Fetches exactly `want` arguments (missing ones are undefined and fail the typed helpers). */
#define GET_ARGS(want)                                                              \
  size_t argc = (want);                                                             \
  napi_value argv[(want) > 0 ? (want) : 1];                                         \
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL; \
  for (size_t ai_ = argc; ai_ < (size_t)(want); ai_++) napi_get_undefined(env, &argv[ai_])

static int env_ifma_enabled(void) {
  const char *v = getenv("FEDGRID_NATIVE_IFMA");
  return !(v && v[0] == '0' && v[1] == '\0');
}

/* modCreate(modulusLE) -> External */
napi_value fg_mod_create(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  uint8_t *mb;
  size_t len;
  if (fg_arg_u8(env, argv[0], "modulusLE", &mb, &len)) return NULL;
  if (len == 0) return fg_throw_range(env, "modulusLE must not be empty");
  if (mb[len - 1] == 0)
    return fg_throw_range(env, "modulusLE must be exactly ceil(bits/8) bytes (its last byte is 0)");
  if ((mb[0] & 1) == 0) return fg_throw_range(env, "modulus must be odd");
  if (len == 1 && mb[0] < 3) return fg_throw_range(env, "modulus must be >= 3");
  if (len * 8 > FG_MAX_MOD_BITS + 7)
    return fg_throw_range(env, "modulus has more than %d bits", FG_MAX_MOD_BITS);

  fg_mod *c = calloc(1, sizeof *c);
  BN_CTX *bctx = BN_CTX_new();
  if (!c || !bctx) goto oom;
  c->L = len;
  c->bits = (uint32_t)(8 * (len - 1));
  for (unsigned top = mb[len - 1]; top; top >>= 1) c->bits++;
  c->m_le = malloc(len);
  if (!c->m_le) goto oom;
  memcpy(c->m_le, mb, len);
  c->m_hash = fnv1a(mb, len);
  c->m = BN_lebin2bn(mb, (int)len, NULL);
  c->mont = BN_MONT_CTX_new();
  c->one_mont = BN_new();
  if (!c->m || !c->mont || !c->one_mont) goto oom;
  if (!BN_MONT_CTX_set(c->mont, c->m, bctx) ||
      !BN_to_montgomery(c->one_mont, BN_value_one(), c->mont, bctx))
    goto oom;
  c->backend = BACKEND_OPENSSL;
  if (env_ifma_enabled() && fg_ifma_supported()) {
    c->ifma = fg_ifma_new(mb, len);
    if (!c->ifma) goto oom;
    c->backend = BACKEND_IFMA;
  }
  BN_CTX_free(bctx);
  bctx = NULL;
  c->magic = FG_MOD_MAGIC;

  napi_value ext;
  if (napi_create_external(env, c, mod_finalize, NULL, &ext) != napi_ok) {
    mod_free(c);
    return throw_internal(env, "modCreate: napi_create_external failed");
  }
  return ext;

oom:
  BN_CTX_free(bctx);
  mod_free(c);
  return throw_oom(env, "modCreate: out of memory");
}

/* modInfo(ctx) -> {bits, bytes, backend} */
napi_value fg_mod_info(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  fg_mod *c;
  if (get_ctx(env, argv[0], &c)) return NULL;
  napi_value o, v;
  if (napi_create_object(env, &o) != napi_ok) return NULL;
  napi_create_uint32(env, c->bits, &v);
  napi_set_named_property(env, o, "bits", v);
  napi_create_uint32(env, (uint32_t)c->L, &v);
  napi_set_named_property(env, o, "bytes", v);
  napi_create_string_utf8(env, c->backend == BACKEND_IFMA ? "ifma" : "openssl", NAPI_AUTO_LENGTH,
                          &v);
  napi_set_named_property(env, o, "backend", v);
  return o;
}

/* Converts L little-endian bytes into a preallocated BIGNUM. */
static int bn_from(BIGNUM *r, const uint8_t *p, size_t L) {
  return BN_lebin2bn(p, (int)L, r) != NULL;
}

static int bn_to(const BIGNUM *x, uint8_t *p, size_t L) {
  return BN_bn2lebinpad(x, p, (int)L) == (int)L;
}

/* ---- modMul -------------------------------------------------------------------------------- */

/* OpenSSL: a·b mod M = MontMul(MontMul(a, b), R^2)... cheaper: MontMul(a·R, b) = a·b, so one
 * conversion per element plus one Montgomery product; with a broadcast b, b·R is formed once. */
static int ossl_mul(const fg_mod *c, const uint8_t *a, const uint8_t *b, int single, size_t n,
                    uint8_t *out) {
  BN_CTX *ctx = BN_CTX_new();
  if (!ctx) return 0;
  BN_CTX_start(ctx);
  BIGNUM *x = BN_CTX_get(ctx), *y = BN_CTX_get(ctx), *bm = BN_CTX_get(ctx);
  int ok = bm != NULL;
  if (ok && single) ok = bn_from(y, b, c->L) && BN_to_montgomery(bm, y, c->mont, ctx);
  for (size_t i = 0; ok && i < n; i++) {
    const uint8_t *ai = a + i * c->L;
    if (single) {
      ok = bn_from(x, ai, c->L) && BN_mod_mul_montgomery(x, x, bm, c->mont, ctx);
    } else {
      ok = bn_from(x, ai, c->L) && bn_from(y, b + i * c->L, c->L) &&
           BN_to_montgomery(x, x, c->mont, ctx) && BN_mod_mul_montgomery(x, x, y, c->mont, ctx);
    }
    ok = ok && bn_to(x, out + i * c->L, c->L);
  }
  BN_CTX_end(ctx);
  BN_CTX_free(ctx);
  return ok;
}

/* modMul(ctx, a, b, out) */
napi_value fg_mod_mul(napi_env env, napi_callback_info info) {
  GET_ARGS(4);
  fg_mod *c;
  uint8_t *a, *b, *out;
  size_t la, lb, lo;
  if (get_ctx(env, argv[0], &c) || fg_arg_u8(env, argv[1], "a", &a, &la) ||
      fg_arg_u8(env, argv[2], "b", &b, &lb) || fg_arg_u8(env, argv[3], "out", &out, &lo))
    return NULL;
  const size_t L = c->L;
  if (la % L) return fg_throw_range(env, "a must be n x %zu bytes, got %zu", L, la);
  size_t n = la / L;
  int single = lb == L;
  if (!single && lb != la)
    return fg_throw_range(env, "b must hold 1 or %zu elements of %zu bytes, got %zu bytes", n, L,
                          lb);
  if (lo != la) return fg_throw_range(env, "out must be %zu bytes (like a), got %zu", la, lo);
  size_t bad;
  if ((bad = first_not_reduced(c, a, n)) != (size_t)-1)
    return fg_throw_range(env, "a[%zu] is not reduced modulo the modulus", bad);
  if ((bad = first_not_reduced(c, b, lb / L)) != (size_t)-1)
    return fg_throw_range(env, "b[%zu] is not reduced modulo the modulus", bad);
  if (n == 0) return NULL;
  int ok = c->backend == BACKEND_IFMA ? fg_ifma_mul(c->ifma, a, b, single, n, out) == 0
                                      : ossl_mul(c, a, b, single, n, out);
  if (!ok) return throw_oom(env, "modMul: out of memory");
  return NULL;
}

/* ---- modPow -------------------------------------------------------------------------------- */

/* OpenSSL: BN_mod_exp_mont_consttime (fixed 5-6 bit windows with cache-neutral table scatter/
 * gather; the exponent here is typically a Paillier secret such as p-1). */
static int ossl_pow(const fg_mod *c, const uint8_t *bases, size_t n, const uint8_t *e,
                    size_t elen, uint8_t *out) {
  BN_CTX *ctx = BN_CTX_new();
  if (!ctx) return 0;
  BN_CTX_start(ctx);
  BIGNUM *x = BN_CTX_get(ctx), *p = BN_CTX_get(ctx), *r = BN_CTX_get(ctx);
  int ok = r != NULL && BN_lebin2bn(e, (int)elen, p) != NULL;
  if (ok) BN_set_flags(p, BN_FLG_CONSTTIME);
  for (size_t i = 0; ok && i < n; i++) {
    ok = bn_from(x, bases + i * c->L, c->L) &&
         BN_mod_exp_mont_consttime(r, x, p, c->m, ctx, c->mont) &&
         bn_to(r, out + i * c->L, c->L);
  }
  BN_CTX_end(ctx);
  BN_CTX_free(ctx);
  return ok;
}

/* modPow(ctx, bases, expLE, out) */
napi_value fg_mod_pow(napi_env env, napi_callback_info info) {
  GET_ARGS(4);
  fg_mod *c;
  uint8_t *bases, *e, *out;
  size_t lb, le, lo;
  if (get_ctx(env, argv[0], &c) || fg_arg_u8(env, argv[1], "bases", &bases, &lb) ||
      fg_arg_u8(env, argv[2], "expLE", &e, &le) || fg_arg_u8(env, argv[3], "out", &out, &lo))
    return NULL;
  const size_t L = c->L;
  if (lb % L) return fg_throw_range(env, "bases must be n x %zu bytes, got %zu", L, lb);
  if (lo != lb) return fg_throw_range(env, "out must be %zu bytes (like bases), got %zu", lb, lo);
  if (le > (size_t)1 << 26) return fg_throw_range(env, "expLE is too long (%zu bytes)", le);
  size_t n = lb / L, bad;
  if ((bad = first_not_reduced(c, bases, n)) != (size_t)-1)
    return fg_throw_range(env, "bases[%zu] is not reduced modulo the modulus", bad);
  if (n == 0) return NULL;
  while (le > 0 && e[le - 1] == 0) le--; /* leading zero bytes do not change the value */
  if (le == 0) {                          /* x^0 = 1 (M >= 3) */
    memset(out, 0, lb);
    for (size_t i = 0; i < n; i++) out[i * L] = 1;
    return NULL;
  }
  int ok;
  if (c->backend == BACKEND_IFMA) {
    /* The 8-lane kernel costs about as much for one base as for eight; OpenSSL's tuned
     * single exponentiation wins when a batch leaves exactly one base over. */
    size_t full = n & ~(size_t)7, tail = n - full;
    if (tail == 1) {
      ok = (full == 0 || fg_ifma_pow(c->ifma, bases, full, e, le, out) == 0) &&
           ossl_pow(c, bases + full * L, 1, e, le, out + full * L);
    } else {
      ok = fg_ifma_pow(c->ifma, bases, n, e, le, out) == 0;
    }
  } else {
    ok = ossl_pow(c, bases, n, e, le, out);
  }
  if (!ok) return throw_oom(env, "modPow: out of memory");
  return NULL;
}

/* ---- fixed-base tables (Brickell-Gordon-McCurley-Wilson 1992) ------------------------------
 *
 * Layout (position independent, no pointers; may live on a SharedArrayBuffer):
 *   [0, 64)   header, see fb_header below (little-endian fields, unaligned access via memcpy)
 *   [64, ..)  entries: for window position k in [0, P), P = ceil(expBits / window), and digit
 *             d in [1, 2^window): base^(d * 2^(window*k)) in the backend's Montgomery form,
 *             at offset 64 + (k * (2^window - 1) + d - 1) * entryBytes.
 *             OpenSSL backend: x*R mod M as L little-endian bytes (R = 2^(64*words)).
 *             IFMA backend:    x*R mod M (R = 2^(52*limbs)), packed 52-bit limbs, see
 *                              modarith_ifma.c.
 * The header is written last, so a table whose initialisation failed is rejected.
 */
#define FB_MAGIC "FGFBTAB1"
#define FB_HEADER_BYTES 64

typedef struct {
  char magic[8];
  uint32_t backend;
  uint32_t bits;
  uint32_t limbs; /* IFMA: 52-bit limbs; OpenSSL: 0 */
  uint32_t window;
  uint32_t exp_bits;
  uint32_t entry_bytes;
  uint64_t m_hash;
  uint64_t entries; /* number of entries */
  uint8_t pad[FB_HEADER_BYTES - 48];
} fb_header;

_Static_assert(sizeof(fb_header) == FB_HEADER_BYTES, "fixed-base header must be 64 bytes");

static size_t fb_entry_bytes(const fg_mod *c) {
  return c->backend == BACKEND_IFMA ? fg_ifma_fb_entry_bytes(c->ifma) : c->L;
}

static int check_shape(napi_env env, uint32_t exp_bits, uint32_t window) {
  if (exp_bits < 1 || exp_bits > FG_MAX_EXP_BITS) {
    fg_throw_range(env, "expBits must be an integer in [1, %d], got %u", FG_MAX_EXP_BITS,
                   exp_bits);
    return -1;
  }
  if (window < 1 || window > FG_MAX_WINDOW) {
    fg_throw_range(env, "window must be an integer in [1, %d], got %u", FG_MAX_WINDOW, window);
    return -1;
  }
  return 0;
}

static uint64_t fb_entry_count(uint32_t exp_bits, uint32_t window) {
  uint64_t positions = (exp_bits + window - 1) / window;
  return positions * (((uint64_t)1 << window) - 1);
}

static double fb_table_bytes(const fg_mod *c, uint32_t exp_bits, uint32_t window) {
  return (double)FB_HEADER_BYTES + (double)fb_entry_count(exp_bits, window) * fb_entry_bytes(c);
}

static void fb_make_header(const fg_mod *c, uint32_t exp_bits, uint32_t window, fb_header *h) {
  memset(h, 0, sizeof *h);
  memcpy(h->magic, FB_MAGIC, 8);
  h->backend = (uint32_t)c->backend;
  h->bits = c->bits;
  h->limbs = c->backend == BACKEND_IFMA ? (uint32_t)fg_ifma_limbs(c->ifma) : 0;
  h->window = window;
  h->exp_bits = exp_bits;
  h->entry_bytes = (uint32_t)fb_entry_bytes(c);
  h->m_hash = c->m_hash;
  h->entries = fb_entry_count(exp_bits, window);
}

/* modFixedBaseTableSize(ctx, expBits, window) -> bytes */
napi_value fg_mod_fb_table_size(napi_env env, napi_callback_info info) {
  GET_ARGS(3);
  fg_mod *c;
  uint32_t exp_bits, window;
  if (get_ctx(env, argv[0], &c) || fg_arg_u32(env, argv[1], "expBits", &exp_bits) ||
      fg_arg_u32(env, argv[2], "window", &window) || check_shape(env, exp_bits, window))
    return NULL;
  napi_value v;
  napi_create_double(env, fb_table_bytes(c, exp_bits, window), &v);
  return v;
}

static int ossl_fb_init(const fg_mod *c, const uint8_t *base, uint32_t exp_bits, uint32_t window,
                        uint8_t *entries) {
  BN_CTX *ctx = BN_CTX_new();
  if (!ctx) return 0;
  BN_CTX_start(ctx);
  BIGNUM *g = BN_CTX_get(ctx), *acc = BN_CTX_get(ctx);
  int ok = acc != NULL && bn_from(g, base, c->L) && BN_to_montgomery(g, g, c->mont, ctx);
  const uint64_t positions = (exp_bits + window - 1) / window, digits = (1ull << window) - 1;
  uint8_t *p = entries;
  for (uint64_t k = 0; ok && k < positions; k++) {
    ok = BN_copy(acc, g) != NULL; /* g = base^(2^(window*k)) in Montgomery form */
    for (uint64_t d = 1; ok && d <= digits; d++) {
      ok = bn_to(acc, p, c->L);
      p += c->L;
      ok = ok && BN_mod_mul_montgomery(acc, acc, g, c->mont, ctx);
    }
    ok = ok && BN_copy(g, acc) != NULL; /* g^(2^window) */
  }
  BN_CTX_end(ctx);
  BN_CTX_free(ctx);
  return ok;
}

/* modFixedBaseTableInit(ctx, baseLE, expBits, window, table) */
napi_value fg_mod_fb_table_init(napi_env env, napi_callback_info info) {
  GET_ARGS(5);
  fg_mod *c;
  uint8_t *base, *table;
  size_t lb, lt;
  uint32_t exp_bits, window;
  if (get_ctx(env, argv[0], &c) || fg_arg_u8(env, argv[1], "baseLE", &base, &lb) ||
      fg_arg_u32(env, argv[2], "expBits", &exp_bits) ||
      fg_arg_u32(env, argv[3], "window", &window) ||
      fg_arg_u8(env, argv[4], "table", &table, &lt) || check_shape(env, exp_bits, window))
    return NULL;
  if (lb != c->L) return fg_throw_range(env, "baseLE must be %zu bytes, got %zu", c->L, lb);
  if (!lt_mod(c, base)) return fg_throw_range(env, "baseLE is not reduced modulo the modulus");
  double need = fb_table_bytes(c, exp_bits, window);
  if ((double)lt != need)
    return fg_throw_range(env, "table must be %.0f bytes (modFixedBaseTableSize), got %zu", need,
                          lt);
  memset(table, 0, FB_HEADER_BYTES); /* invalid until the header is written at the end */
  uint8_t *entries = table + FB_HEADER_BYTES;
  int ok = c->backend == BACKEND_IFMA
               ? fg_ifma_fb_init(c->ifma, base, exp_bits, window, entries) == 0
               : ossl_fb_init(c, base, exp_bits, window, entries);
  if (!ok) return throw_oom(env, "modFixedBaseTableInit: out of memory");
  fb_header h;
  fb_make_header(c, exp_bits, window, &h);
  memcpy(table, &h, sizeof h);
  return NULL;
}

/* Window digit k (bits [k*w, k*w + w) clipped to exp_bits) of a little-endian exponent. */
static uint32_t exp_digit(const uint8_t *e, uint32_t exp_bits, uint32_t w, uint64_t k) {
  uint64_t lo = k * w, hi = lo + w;
  if (hi > exp_bits) hi = exp_bits;
  uint32_t v = 0;
  for (uint64_t b = lo; b < hi; b++) v |= (uint32_t)((e[b >> 3] >> (b & 7)) & 1) << (b - lo);
  return v;
}

static int ossl_fb_pow(const fg_mod *c, const uint8_t *entries, uint32_t exp_bits,
                       uint32_t window, const uint8_t *exps, size_t n, uint8_t *out) {
  BN_CTX *ctx = BN_CTX_new();
  if (!ctx) return 0;
  BN_CTX_start(ctx);
  BIGNUM *acc = BN_CTX_get(ctx), *t = BN_CTX_get(ctx);
  int ok = t != NULL;
  const uint64_t positions = (exp_bits + window - 1) / window, digits = (1ull << window) - 1;
  const size_t eb = (exp_bits + 7) / 8;
  for (size_t i = 0; ok && i < n; i++) {
    const uint8_t *e = exps + i * eb;
    int have = 0;
    for (uint64_t k = 0; ok && k < positions; k++) {
      uint32_t d = exp_digit(e, exp_bits, window, k);
      if (!d) continue;
      const uint8_t *ent = entries + (k * digits + d - 1) * c->L;
      if (!have) {
        ok = bn_from(acc, ent, c->L);
        have = 1;
      } else {
        ok = bn_from(t, ent, c->L) && BN_mod_mul_montgomery(acc, acc, t, c->mont, ctx);
      }
    }
    if (ok) ok = have ? BN_from_montgomery(acc, acc, c->mont, ctx) : BN_one(acc);
    ok = ok && bn_to(acc, out + i * c->L, c->L);
  }
  BN_CTX_end(ctx);
  BN_CTX_free(ctx);
  return ok;
}

/* modFixedBasePow(ctx, table, expBits, window, exps, out) */
napi_value fg_mod_fb_pow(napi_env env, napi_callback_info info) {
  GET_ARGS(6);
  fg_mod *c;
  uint8_t *table, *exps, *out;
  size_t lt, le, lo;
  uint32_t exp_bits, window;
  if (get_ctx(env, argv[0], &c) || fg_arg_u8(env, argv[1], "table", &table, &lt) ||
      fg_arg_u32(env, argv[2], "expBits", &exp_bits) ||
      fg_arg_u32(env, argv[3], "window", &window) ||
      fg_arg_u8(env, argv[4], "exps", &exps, &le) || fg_arg_u8(env, argv[5], "out", &out, &lo) ||
      check_shape(env, exp_bits, window))
    return NULL;
  /* The header must describe exactly this context, backend and shape. */
  fb_header h, want;
  if (lt < FB_HEADER_BYTES) return fg_throw_range(env, "table is too short (%zu bytes)", lt);
  memcpy(&h, table, sizeof h);
  fb_make_header(c, exp_bits, window, &want);
  if (memcmp(h.magic, FB_MAGIC, 8) != 0)
    return fg_throw_range(env, "table is not an initialised fixed-base table");
  if (h.backend != want.backend)
    return fg_throw_range(env, "table was built by the %s backend but this context uses %s",
                          h.backend == BACKEND_IFMA ? "ifma" : "openssl",
                          c->backend == BACKEND_IFMA ? "ifma" : "openssl");
  if (h.bits != want.bits || h.limbs != want.limbs || h.m_hash != want.m_hash ||
      h.entry_bytes != want.entry_bytes)
    return fg_throw_range(env, "table was built for a different modulus");
  if (h.window != window || h.exp_bits != exp_bits)
    return fg_throw_range(env, "table was built for expBits=%u window=%u, not expBits=%u window=%u",
                          h.exp_bits, h.window, exp_bits, window);
  if ((double)lt != fb_table_bytes(c, exp_bits, window) || h.entries != want.entries)
    return fg_throw_range(env, "table has the wrong size for its shape (%zu bytes)", lt);
  const size_t eb = (exp_bits + 7) / 8, L = c->L;
  if (le % eb) return fg_throw_range(env, "exps must be n x %zu bytes, got %zu", eb, le);
  size_t n = le / eb;
  if (lo != n * L) return fg_throw_range(env, "out must be %zu bytes, got %zu", n * L, lo);
  if (exp_bits % 8) { /* bits above expBits in the top byte must be clear */
    uint8_t topmask = (uint8_t)(0xffu << (exp_bits % 8));
    for (size_t i = 0; i < n; i++)
      if (exps[i * eb + eb - 1] & topmask)
        return fg_throw_range(env, "exps[%zu] has more than %u bits", i, exp_bits);
  }
  if (n == 0) return NULL;
  const uint8_t *entries = table + FB_HEADER_BYTES;
  int ok = c->backend == BACKEND_IFMA
               ? fg_ifma_fb_pow(c->ifma, entries, exp_bits, window, exps, n, out) == 0
               : ossl_fb_pow(c, entries, exp_bits, window, exps, n, out);
  if (!ok) return throw_oom(env, "modFixedBasePow: out of memory");
  return NULL;
}

/* ---- modMultiExp ---------------------------------------------------------------------------
 *
 * out[j] = prod_i bases[i]^exps[i*columns + j]. Positive and negative exponents are multiplied
 * separately (P_j, Q_j) and combined as P_j * Q_j^-1 with one BN_mod_inverse per column.
 * Both backends use Pippenger's bucket method (Pippenger 1980; Bernstein et al., "Faster
 * batch forgery identification", 2012, for the bucket formulation): the exponents are cut into
 * W windows of c bits; for every window, base i is multiplied into bucket B[digit_i]; the
 * window's result prod_d B[d]^d is formed with running products from the top bucket down
 * (S *= B[d]; T *= S, two multiplications per bucket), and windows are joined by Horner's rule
 * with c squarings each. Cost per column ~ W*N + 4*W*2^c multiplications, so c grows like
 * log2(N) and W is chosen from the bit length actually present in the column.
 */

/* Estimated multiplications for W windows (OpenSSL backend; the IFMA backend has its own
 * model for its 8-lane schedule). */
static double ossl_msm_cost(uint32_t bits, uint32_t W, size_t nnz, int signs) {
  uint32_t c = (bits + W - 1) / W;
  if (c > 16) return 1e300;
  return (double)W * (double)nnz + (double)signs * W * 2.0 * (double)((1u << c) - 1) +
         (double)signs * (double)(c + 1) * (W - 1);
}

static int ossl_multiexp(const fg_mod *c, const uint8_t *bases, size_t nb, const int32_t *exps,
                         size_t columns, uint8_t *pos_out, uint8_t *neg_out) {
  int ok = 0;
  BN_CTX *ctx = BN_CTX_new();
  BIGNUM **bm = calloc(nb ? nb : 1, sizeof *bm);       /* bases in Montgomery form */
  BIGNUM **bk = calloc(2u << 16, sizeof *bk);           /* buckets, allocated on demand */
  uint8_t *full = calloc(2u << 16, 1);                  /* bucket non-empty flags */
  BIGNUM *acc[2] = {BN_new(), BN_new()}, *S = BN_new(), *T = BN_new();
  if (!ctx || !bm || !bk || !full || !acc[0] || !acc[1] || !S || !T) goto done;

  for (size_t i = 0; i < nb; i++) {
    int used = 0;
    for (size_t j = 0; j < columns && !used; j++) used = exps[i * columns + j] != 0;
    if (!used) continue;
    if (!(bm[i] = BN_new()) || !bn_from(bm[i], bases + i * c->L, c->L) ||
        !BN_to_montgomery(bm[i], bm[i], c->mont, ctx))
      goto done;
  }

  for (size_t j = 0; j < columns; j++) {
    uint32_t bits = 0;
    size_t nnz = 0;
    int has[2] = {0, 0};
    for (size_t i = 0; i < nb; i++) {
      int32_t e = exps[i * columns + j];
      if (!e) continue;
      uint32_t mag = e < 0 ? (uint32_t)0 - (uint32_t)e : (uint32_t)e;
      uint32_t bl = 32 - (uint32_t)__builtin_clz(mag);
      if (bl > bits) bits = bl;
      nnz++;
      has[e < 0] = 1;
    }
    int have_acc[2] = {0, 0};
    if (bits > 0) {
      int signs = has[0] + has[1];
      uint32_t W = 1;
      double best = 1e301;
      for (uint32_t w = 1; w <= bits; w++) {
        double cost = ossl_msm_cost(bits, w, nnz, signs);
        if (cost < best) best = cost, W = w;
      }
      const uint32_t cw = (bits + W - 1) / W, nd = 1u << cw;
      for (uint32_t wi = W; wi-- > 0;) { /* Horner from the top window down */
        for (int s = 0; s < 2; s++)
          for (uint32_t q = 0; q < cw && have_acc[s]; q++)
            if (!BN_mod_mul_montgomery(acc[s], acc[s], acc[s], c->mont, ctx)) goto done;
        memset(full, 0, 2 * (size_t)nd);
        for (size_t i = 0; i < nb; i++) {
          int32_t e = exps[i * columns + j];
          if (!e) continue;
          uint32_t mag = e < 0 ? (uint32_t)0 - (uint32_t)e : (uint32_t)e;
          uint32_t d = (mag >> (wi * cw)) & (nd - 1);
          if (!d) continue;
          size_t key = (size_t)(e < 0) * nd + d;
          if (!bk[key] && !(bk[key] = BN_new())) goto done;
          if (!full[key]) {
            if (!BN_copy(bk[key], bm[i])) goto done;
            full[key] = 1;
          } else if (!BN_mod_mul_montgomery(bk[key], bk[key], bm[i], c->mont, ctx)) {
            goto done;
          }
        }
        for (int s = 0; s < 2; s++) {
          int hs = 0, ht = 0; /* S, T still equal to 1? then copy instead of multiplying */
          for (uint32_t d = nd - 1; d >= 1; d--) {
            size_t key = (size_t)s * nd + d;
            if (full[key]) {
              if (!(hs ? BN_mod_mul_montgomery(S, S, bk[key], c->mont, ctx)
                       : BN_copy(S, bk[key]) != NULL))
                goto done;
              hs = 1;
            }
            if (hs) {
              if (!(ht ? BN_mod_mul_montgomery(T, T, S, c->mont, ctx) : BN_copy(T, S) != NULL))
                goto done;
              ht = 1;
            }
          }
          if (!ht) continue;
          if (!(have_acc[s] ? BN_mod_mul_montgomery(acc[s], acc[s], T, c->mont, ctx)
                            : BN_copy(acc[s], T) != NULL))
            goto done;
          have_acc[s] = 1;
        }
      }
    }
    for (int s = 0; s < 2; s++) {
      uint8_t *dst = (s ? neg_out : pos_out) + j * c->L;
      if (have_acc[s]) {
        if (!BN_from_montgomery(acc[s], acc[s], c->mont, ctx) || !bn_to(acc[s], dst, c->L))
          goto done;
      } else {
        memset(dst, 0, c->L);
        dst[0] = 1;
      }
    }
  }
  ok = 1;
done:
  if (bm)
    for (size_t i = 0; i < nb; i++) BN_free(bm[i]);
  if (bk)
    for (size_t k = 0; k < (2u << 16); k++) BN_free(bk[k]);
  free(bm);
  free(bk);
  free(full);
  BN_free(acc[0]);
  BN_free(acc[1]);
  BN_free(S);
  BN_free(T);
  BN_CTX_free(ctx);
  return ok;
}

/* modMultiExp(ctx, bases, exps, columns, out) */
napi_value fg_mod_multi_exp(napi_env env, napi_callback_info info) {
  GET_ARGS(5);
  fg_mod *c;
  uint8_t *bases, *out;
  int32_t *exps_js;
  size_t lb, ne, lo;
  uint32_t columns;
  if (get_ctx(env, argv[0], &c) || fg_arg_u8(env, argv[1], "bases", &bases, &lb) ||
      fg_arg_i32arr(env, argv[2], "exps", &exps_js, &ne) ||
      fg_arg_u32(env, argv[3], "columns", &columns) ||
      fg_arg_u8(env, argv[4], "out", &out, &lo))
    return NULL;
  const size_t L = c->L;
  if (columns < 1) return fg_throw_range(env, "columns must be >= 1, got %u", columns);
  if (lb % L) return fg_throw_range(env, "bases must be N x %zu bytes, got %zu", L, lb);
  size_t nb = lb / L;
  if (ne / columns != nb || ne % columns)
    return fg_throw_range(env, "exps must hold %zu x %u exponents, got %zu", nb, columns, ne);
  if (lo != (size_t)columns * L)
    return fg_throw_range(env, "out must be columns x %zu = %zu bytes, got %zu", L,
                          (size_t)columns * L, lo);
  size_t bad;
  if ((bad = first_not_reduced(c, bases, nb)) != (size_t)-1)
    return fg_throw_range(env, "bases[%zu] is not reduced modulo the modulus", bad);

  /* Private copy of the exponents: the kernels read them several times and the caller's
   * array may sit on a SharedArrayBuffer that other threads write to. */
  int32_t *exps = malloc(ne ? ne * sizeof *exps : 1);
  uint8_t *pq = malloc(2 * (size_t)columns * L);
  BN_CTX *ctx = BN_CTX_new();
  napi_value ret = NULL;
  if (!exps || !pq || !ctx) {
    throw_oom(env, "modMultiExp: out of memory");
    goto done;
  }
  memcpy(exps, exps_js, ne * sizeof *exps);
  uint8_t *pos = pq, *neg = pq + (size_t)columns * L;
  int ok = c->backend == BACKEND_IFMA
               ? fg_ifma_multiexp(c->ifma, bases, nb, exps, columns, pos, neg) == 0
               : ossl_multiexp(c, bases, nb, exps, columns, pos, neg);
  if (!ok) {
    throw_oom(env, "modMultiExp: out of memory");
    goto done;
  }
  /* out[j] = P_j * Q_j^-1. The Q_j != 1 are inverted together with Montgomery's trick (one
   * BN_mod_inverse, ~0.6 ms at 4096 bits, plus 3 products per column); if their product is not
   * invertible, columns are inverted one by one to name the failing column. */
  BN_CTX_start(ctx);
  BIGNUM *p = BN_CTX_get(ctx), *inv = BN_CTX_get(ctx), *t = BN_CTX_get(ctx);
  BIGNUM **q = calloc(columns, sizeof *q), **pre = calloc(columns, sizeof *pre);
  uint32_t *cols_inv = malloc(columns * sizeof *cols_inv);
  size_t nq = 0;
  int ok_bn = t != NULL && q && pre && cols_inv;
  for (uint32_t j = 0; ok_bn && j < columns; j++) {
    ok_bn = (q[j] = BN_new()) && (pre[j] = BN_new()) && bn_from(q[j], neg + (size_t)j * L, L);
    if (ok_bn && !BN_is_one(q[j])) cols_inv[nq++] = j;
  }
  int batched = 0;
  if (ok_bn && nq > 1) {
    for (size_t k = 0; ok_bn && k < nq; k++)
      ok_bn = k == 0 ? BN_copy(pre[0], q[cols_inv[0]]) != NULL
                     : BN_mod_mul(pre[k], pre[k - 1], q[cols_inv[k]], c->m, ctx);
    if (ok_bn && BN_mod_inverse(inv, pre[nq - 1], c->m, ctx)) {
      for (size_t k = nq; ok_bn && k-- > 1;) { /* inv = (q_0 ... q_k)^-1 */
        uint32_t j = cols_inv[k];
        ok_bn = BN_mod_mul(t, inv, pre[k - 1], c->m, ctx) &&
                BN_mod_mul(inv, inv, q[j], c->m, ctx) && BN_copy(q[j], t);
      }
      ok_bn = ok_bn && BN_copy(q[cols_inv[0]], inv);
      batched = 1;
    } else {
      ERR_clear_error();
    }
  }
  for (size_t k = 0; ok_bn && !batched && k < nq; k++) {
    uint32_t j = cols_inv[k];
    if (!BN_mod_inverse(q[j], q[j], c->m, ctx)) {
      ERR_clear_error(); /* leave no stale error on this thread's OpenSSL queue */
      fg_throw_range(env,
                     "modMultiExp: column %u: the product of the bases with negative exponents "
                     "is not invertible modulo the modulus",
                     j);
      goto free_q;
    }
  }
  for (uint32_t j = 0; ok_bn && j < columns; j++) {
    ok_bn = bn_from(p, pos + (size_t)j * L, L) &&
            (BN_is_one(q[j]) || BN_mod_mul(p, p, q[j], c->m, ctx)) &&
            bn_to(p, out + (size_t)j * L, L);
  }
  if (!ok_bn) throw_oom(env, "modMultiExp: out of memory");
free_q:
  for (uint32_t j = 0; j < columns; j++) {
    if (q) BN_free(q[j]);
    if (pre) BN_free(pre[j]);
  }
  free(q), free(pre), free(cols_inv);
  BN_CTX_end(ctx);
done:
  free(exps);
  free(pq);
  BN_CTX_free(ctx);
  return ret;
}
