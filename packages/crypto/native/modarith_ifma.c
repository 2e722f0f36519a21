/*
 * AVX-512 IFMA backend of the modular-arithmetic kernels (see modarith.c for the N-API glue).
 *
 * Design: "vertical" 8-way SIMD Montgomery arithmetic. A vector number holds eight independent
 * residues, lane l being element l of a batch: limb j of all eight is one __m512i, limbs are
 * 52 bits (radix 2^52) because VPMADD52LUQ/VPMADD52HUQ multiply the low 52 bits of each lane
 * and add the low/high 52 bits of the 104-bit product to a 64-bit accumulator. The modulus is
 * the same in every lane, so its limbs are scalars broadcast from memory.
 *
 * Why vertical rather than "horizontal" (one number spread across the lanes, as in OpenSSL's
 * rsaz-avx512 / Gueron-Krasnov, "Fast modular squaring with AVX512IFMA"): every API here is a
 * batch (8 fixed-base exponents, 8 bases of one shared exponent, 8 independent bucket products),
 * there are no cross-lane shuffles or carry tricks, and the only serial chain per row (the next
 * Montgomery quotient q) is short and software-pipelined. Measured on the Sapphire Rapids this
 * was written on (2 zmm IFMA per cycle): 4096-bit product ~0.69 us per lane (~85% of the IFMA
 * peak) vs 4.9 us for BN_mod_mul_montgomery, 2048-bit ~0.17 us vs 1.2 us; squaring ~0.8x a
 * product. The price is that a lone element costs as much as eight: modarith.c routes a lone
 * modPow base to OpenSSL, and fixed-base powers of fewer than 8 exponents split each exponent's
 * window positions over several lanes.
 *
 * Multiplication is almost-Montgomery multiplication (AMM; Montgomery 1985) in CIOS order
 * (coarsely integrated operand scanning, Koc-Acar-Kaliski 1996): with n limbs, R = 2^(52n) >= 4M,
 * inputs < 2M give an output < 2M without the final conditional subtraction; results leaving the
 * backend are fully reduced (< M) once, at the end. Limbs are accumulated unnormalised in 64-bit
 * lanes (at most ~4n additions of 52-bit values per lane, < 2^64 for n < 1024) and normalised
 * once per product.
 *
 * Only functions marked IFMA use AVX-512 instructions; modarith.c calls them only after
 * fg_ifma_supported(), so the addon still loads and runs on CPUs without IFMA.
 */
#include <immintrin.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define IFMA __attribute__((target("avx512f,avx512ifma,avx512vl,avx512bw")))
#define MASK52 0xFFFFFFFFFFFFFull

typedef struct fg_ifma {
  int n;                 /* 52-bit limbs; R = 2^(52n) >= 4M */
  size_t L;              /* bytes per element */
  uint64_t k0;           /* -M^-1 mod 2^52 */
  uint64_t *m;           /* M, n limbs */
  uint64_t *one_h;       /* R mod M (Montgomery 1), n limbs */
  uint64_t *r2_h;        /* R^2 mod M, n limbs */
  uint64_t *r2_v;        /* R^2 mod M replicated in 8 lanes: vertical, n x 8 words */
  uint64_t *onev;        /* R mod M replicated: vertical */
  uint64_t *unit_v;      /* the integer 1 replicated: AMM(x, 1) leaves Montgomery form */
  size_t fb_stride;      /* bytes per packed fixed-base table entry */
  uint8_t *one_packed;   /* R mod M as a packed table entry (for digit 0 lanes) */
} fg_ifma;

/* CPUID (and OS zmm-state) bits as initialised by libgcc's constructor; no call to
 * __builtin_cpu_init here, which would rewrite that global from concurrent threads. */
int fg_ifma_supported(void) {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512ifma") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw");
}

int fg_ifma_limbs(const fg_ifma *c) { return c->n; }
size_t fg_ifma_fb_entry_bytes(const fg_ifma *c) { return c->fb_stride; }

/* ---- scalar helpers: byte strings <-> 52-bit limbs ---------------------------------------- */

/* Largest limb count (FG_MAX_MOD_BITS = 32768 in modarith.c) and a byte buffer that holds any
 * number in packed form plus 8 bytes of slack for whole-word loads and stores. */
#define MAX_LIMBS 632
#define PAD_BYTES (MAX_LIMBS * 13 / 2 + 16)

/* Limb j of a packed little-endian number starts at bit 52j, i.e. byte 6.5j: one unaligned
 * 64-bit load and a shift by 0 or 4. */
static inline uint64_t packed_limb(const uint8_t *p, int j) {
  uint64_t w;
  memcpy(&w, p + ((52 * (unsigned)j) >> 3), 8);
  return (w >> ((j & 1) * 4)) & MASK52;
}

/* len little-endian bytes (value < 2^(52n)) -> n normalised limbs. */
static void bytes_to_limbs(const uint8_t *src, size_t len, uint64_t *dst, int n) {
  uint8_t pad[PAD_BYTES];
  const size_t need = (size_t)((52 * (n - 1)) >> 3) + 8;
  if (len >= need) {
    for (int j = 0; j < n; j++) dst[j] = packed_limb(src, j);
    return;
  }
  memcpy(pad, src, len);
  memset(pad + len, 0, need - len);
  for (int j = 0; j < n; j++) dst[j] = packed_limb(pad, j);
}

/* n normalised limbs -> the low len bytes (the value must be < 2^(8 len)). Two limbs are 104
 * bits = 13 bytes: one 64-bit store of l0 | l1 << 52 and one of l1 >> 12, in increasing order so
 * that each store's zero high bytes are overwritten by the next. */
static void limbs_to_bytes(const uint64_t *src, int n, uint8_t *dst, size_t len) {
  uint8_t pad[PAD_BYTES];
  int j = 0;
  for (; j + 1 < n; j += 2) {
    uint64_t lo = src[j] | (src[j + 1] << 52), hi = src[j + 1] >> 12;
    memcpy(pad + 13 * (j / 2), &lo, 8);
    memcpy(pad + 13 * (j / 2) + 8, &hi, 8);
  }
  size_t used = (size_t)13 * (j / 2);
  if (j < n) {
    memcpy(pad + used, &src[j], 8);
    used += 8;
  } else {
    used += 8; /* the hi store above wrote 8 bytes */
  }
  if (used < len) memset(pad + used, 0, len - used);
  memcpy(dst, pad, len);
}

/* x = x - M if x >= M (x < 2M, normalised limbs); branch-free. */
static void cond_sub_m(uint64_t *x, const uint64_t *m, int n) {
  uint64_t d[n > 0 ? n : 1], borrow = 0;
  for (int j = 0; j < n; j++) {
    uint64_t t = x[j] - m[j] - borrow;
    d[j] = t & MASK52;
    borrow = t >> 63;
  }
  uint64_t keep = 0 - borrow; /* all ones when x < M */
  for (int j = 0; j < n; j++) x[j] = (x[j] & keep) | (d[j] & ~keep);
}

/* ---- vertical (8-lane) primitives ---------------------------------------------------------- */

typedef __m512i vec;

static void *aalloc(size_t bytes) {
  bytes = (bytes + 63) & ~(size_t)63;
  return aligned_alloc(64, bytes ? bytes : 64);
}

/*
 * r = a * b * R^-1 mod M, almost reduced (< 2M for a, b < 2M). CIOS: for each limb b_i,
 * T += a * b_i; q = T_0 * k0 mod 2^52; T = (T + q * M) / 2^52. The division by 2^52 is folded
 * into the loop as a shift of T by one limb: new T_{j-1} = T_j + lo(a_j b_i) + lo(q m_j)
 * + hi(a_{j-1} b_i) + hi(q m_{j-1}). T is scratch of n vectors; r may alias a or b.
 */
IFMA static void v_amm_plain(vec *r, const vec *a, const vec *b, const uint64_t *m, uint64_t k0,
                             int n, vec *restrict T) {
  const vec zero = _mm512_setzero_si512(), k0v = _mm512_set1_epi64((long long)k0);
  for (int j = 0; j < n; j++) T[j] = zero;
  const vec m0 = _mm512_set1_epi64((long long)m[0]);
  for (int i = 0; i < n; i++) {
    const vec bi = b[i];
    vec t0 = _mm512_madd52lo_epu64(T[0], a[0], bi);
    /* IFMA only reads the low 52 bits of t0, which is exactly t0 mod 2^52. */
    const vec q = _mm512_madd52lo_epu64(zero, t0, k0v);
    t0 = _mm512_madd52lo_epu64(t0, q, m0);
    const vec carry = _mm512_srli_epi64(t0, 52); /* low 52 bits are now zero */
    vec aprev = a[0], mprev = m0;
    for (int j = 1; j < n; j++) {
      const vec aj = a[j], mj = _mm512_set1_epi64((long long)m[j]);
      vec x = T[j];
      x = _mm512_madd52lo_epu64(x, aj, bi);
      x = _mm512_madd52lo_epu64(x, q, mj);
      x = _mm512_madd52hi_epu64(x, aprev, bi);
      x = _mm512_madd52hi_epu64(x, q, mprev);
      T[j - 1] = x;
      aprev = aj;
      mprev = mj;
    }
    vec top = _mm512_madd52hi_epu64(zero, aprev, bi);
    T[n - 1] = _mm512_madd52hi_epu64(top, q, mprev);
    T[0] = _mm512_add_epi64(T[0], carry);
  }
  const vec mask = _mm512_set1_epi64((long long)MASK52);
  vec cy = zero;
  for (int j = 0; j < n; j++) {
    vec x = _mm512_add_epi64(T[j], cy);
    r[j] = _mm512_and_si512(x, mask);
    cy = _mm512_srli_epi64(x, 52);
  }
}

/*
 * r = a * b * R^-1 mod M, almost reduced (< 2M for a, b < 2M). CIOS: for each limb b_i,
 * T += a * b_i; q = T_0 * k0 mod 2^52; T = (T + q * M) / 2^52. The division by 2^52 is folded
 * into the loop as a shift of T by one limb: new T_{j-1} = T_j + lo(a_j b_i) + lo(q m_j)
 * + hi(a_{j-1} b_i) + hi(q m_{j-1}). T is scratch of n vectors; r may alias a or b.
 *
 * Software pipelining: the only serial dependency between rows is q_{i+1}, which needs the
 * new T_0. That column is computed first, and q_{i+1} right after it, so the ~13-cycle chain
 * sits at the head of the row in program order and overlaps with the rest of the sweep (4n IFMA).
 * Without this the chain is exposed every row (~20% slower at 4096 bits).
 */
IFMA static void v_amm(vec *r, const vec *a, const vec *b, const uint64_t *m, uint64_t k0, int n,
                       vec *restrict T) {
  if (n < 3) {
    v_amm_plain(r, a, b, m, k0, n, T);
    return;
  }
  const vec zero = _mm512_setzero_si512(), k0v = _mm512_set1_epi64((long long)k0);
  const vec m0 = _mm512_set1_epi64((long long)m[0]), m1 = _mm512_set1_epi64((long long)m[1]);
  const vec a0 = a[0], a1 = a[1];
  for (int j = 1; j < n; j++) T[j] = zero;
  vec t0 = _mm512_madd52lo_epu64(zero, a0, b[0]); /* T_0 + lo(a_0 b_0) */
  vec q = _mm512_madd52lo_epu64(zero, t0, k0v);
  for (int i = 0; i < n; i++) {
    const vec bi = b[i];
    /* head: new T_0 and the next q */
    const vec c0 = _mm512_srli_epi64(_mm512_madd52lo_epu64(t0, q, m0), 52);
    vec x = _mm512_add_epi64(T[1], c0);
    x = _mm512_madd52lo_epu64(x, a1, bi);
    x = _mm512_madd52hi_epu64(x, a0, bi);
    if (i + 1 < n) x = _mm512_madd52lo_epu64(x, a0, b[i + 1]);
    x = _mm512_madd52lo_epu64(x, q, m1);
    x = _mm512_madd52hi_epu64(x, q, m0);
    const vec qn = _mm512_madd52lo_epu64(zero, x, k0v);
    t0 = x;
    /* sweep j = 2 .. n-1 into T_{j-1}, two limbs per trip */
    vec aprev = a1, mprev = m1;
    int j = 2;
    for (; j + 1 < n; j += 2) {
      const vec aj = a[j], aj1 = a[j + 1];
      const vec mj = _mm512_set1_epi64((long long)m[j]);
      const vec mj1 = _mm512_set1_epi64((long long)m[j + 1]);
      vec u = T[j], v = T[j + 1];
      u = _mm512_madd52lo_epu64(u, aj, bi);
      v = _mm512_madd52lo_epu64(v, aj1, bi);
      u = _mm512_madd52lo_epu64(u, q, mj);
      v = _mm512_madd52lo_epu64(v, q, mj1);
      u = _mm512_madd52hi_epu64(u, aprev, bi);
      v = _mm512_madd52hi_epu64(v, aj, bi);
      u = _mm512_madd52hi_epu64(u, q, mprev);
      v = _mm512_madd52hi_epu64(v, q, mj);
      T[j - 1] = u;
      T[j] = v;
      aprev = aj1;
      mprev = mj1;
    }
    if (j < n) {
      const vec aj = a[j], mj = _mm512_set1_epi64((long long)m[j]);
      vec u = T[j];
      u = _mm512_madd52lo_epu64(u, aj, bi);
      u = _mm512_madd52lo_epu64(u, q, mj);
      u = _mm512_madd52hi_epu64(u, aprev, bi);
      u = _mm512_madd52hi_epu64(u, q, mprev);
      T[j - 1] = u;
      aprev = aj;
      mprev = mj;
    }
    vec top = _mm512_madd52hi_epu64(zero, aprev, bi);
    T[n - 1] = _mm512_madd52hi_epu64(top, q, mprev);
    q = qn;
  }
  /* Normalise to 52-bit limbs; T_0 lives in t0 (the final "next q" was never used). The value
   * is < 2M < 2^(52n), so no carry leaves the top. */
  const vec mask = _mm512_set1_epi64((long long)MASK52);
  vec x = t0;
  r[0] = _mm512_and_si512(x, mask);
  vec cy = _mm512_srli_epi64(x, 52);
  for (int j = 1; j < n; j++) {
    x = _mm512_add_epi64(T[j], cy);
    r[j] = _mm512_and_si512(x, mask);
    cy = _mm512_srli_epi64(x, 52);
  }
}

/*
 * r = a^2 * R^-1 mod M (almost reduced), separated operand scanning: the 2n-limb square is
 * formed with each cross product a_i a_j (i < j) computed once and doubled, then reduced by n
 * Montgomery steps. ~3n^2 IFMA instead of 4n^2. T is scratch of 2n + 1 vectors.
 */
IFMA static void v_sqr(vec *r, const vec *a, const uint64_t *m, uint64_t k0, int n,
                       vec *restrict T) {
  if (n < 4) { /* tiny moduli: the pipelined reduction below assumes four limbs */
    v_amm(r, a, a, m, k0, n, T);
    return;
  }
  const vec zero = _mm512_setzero_si512();
  for (int j = 0; j < 2 * n + 1; j++) T[j] = zero;
  /* Cross products a_i a_j (i < j), two rows (i, i+1) per sweep over the columns k, so that
   * each T[k] load/store carries up to 4 IFMA: row i adds lo(a_i a_{k-i}) and hi(a_i a_{k-i-1}),
   * row i+1 adds lo(a_{i+1} a_{k-i-1}) and hi(a_{i+1} a_{k-i-2}), for in-range partners only. */
  int i = 0;
  for (; i < n; i += 2) {
    const vec ai = a[i], ai1 = i + 1 < n ? a[i + 1] : zero;
    const int lim1 = i + 1 < n ? n - 1 : i + 1; /* row i+1 absent when i = n-1 */
    /* edge columns with generic range checks */
#define SQ_EDGE(kk)                                                          \
  do {                                                                       \
    const int k_ = (kk);                                                     \
    vec x = T[k_];                                                           \
    int j = k_ - i;                                                          \
    if (j >= i + 1 && j <= n - 1) x = _mm512_madd52lo_epu64(x, ai, a[j]);    \
    j = k_ - i - 1;                                                          \
    if (j >= i + 1 && j <= n - 1) x = _mm512_madd52hi_epu64(x, ai, a[j]);    \
    if (j >= i + 2 && j <= lim1) x = _mm512_madd52lo_epu64(x, ai1, a[j]);    \
    j = k_ - i - 2;                                                          \
    if (j >= i + 2 && j <= lim1) x = _mm512_madd52hi_epu64(x, ai1, a[j]);    \
    T[k_] = x;                                                               \
  } while (0)
    const int kend = i + n + 1 < 2 * n - 1 ? i + n + 1 : 2 * n - 1;
    int k = 2 * i + 1;
    for (; k < 2 * i + 4 && k <= kend; k++) SQ_EDGE(k);
    if (k <= i + n - 1) {
      /* interior k = 2i+4 .. i+n-1: partners a[p], a[p-1], a[p-2] with p = k - i; the two
       * older ones roll over from the previous column */
      vec ap1 = a[k - i - 1], ap2 = a[k - i - 2];
      for (; k + 1 <= i + n - 1; k += 2) {
        const vec ap = a[k - i], apn = a[k - i + 1];
        vec x = T[k], y = T[k + 1];
        x = _mm512_madd52lo_epu64(x, ai, ap);
        y = _mm512_madd52lo_epu64(y, ai, apn);
        x = _mm512_madd52hi_epu64(x, ai, ap1);
        y = _mm512_madd52hi_epu64(y, ai, ap);
        x = _mm512_madd52lo_epu64(x, ai1, ap1);
        y = _mm512_madd52lo_epu64(y, ai1, ap);
        x = _mm512_madd52hi_epu64(x, ai1, ap2);
        y = _mm512_madd52hi_epu64(y, ai1, ap1);
        T[k] = x;
        T[k + 1] = y;
        ap2 = ap;
        ap1 = apn;
      }
      if (k <= i + n - 1) {
        const vec ap = a[k - i];
        vec x = T[k];
        x = _mm512_madd52lo_epu64(x, ai, ap);
        x = _mm512_madd52hi_epu64(x, ai, ap1);
        x = _mm512_madd52lo_epu64(x, ai1, ap1);
        x = _mm512_madd52hi_epu64(x, ai1, ap2);
        T[k] = x;
        k++;
      }
    }
    for (; k <= kend; k++) SQ_EDGE(k);
#undef SQ_EDGE
  }
  /* double and add the diagonal a_i^2 */
  for (i = 0; i < n; i++) {
    vec lo = _mm512_add_epi64(T[2 * i], T[2 * i]);
    vec hi = _mm512_add_epi64(T[2 * i + 1], T[2 * i + 1]);
    T[2 * i] = _mm512_madd52lo_epu64(lo, a[i], a[i]);
    T[2 * i + 1] = _mm512_madd52hi_epu64(hi, a[i], a[i]);
  }
  /* Montgomery reduction, two limbs (q0 for column i, q1 for column i+1) per sweep so that
   * each T[k] load/store again carries 4 IFMA. q1 needs column i+1 after q0's terms; the
   * retired columns' carries (t >> 52) move up. As in v_amm, the next pair's q0, q1 are formed
   * right after this pair's first two columns (which are then final), so that their serial
   * chain overlaps with the rest of the sweep. */
  const vec k0v = _mm512_set1_epi64((long long)k0);
  const vec m0 = _mm512_set1_epi64((long long)m[0]), m1 = _mm512_set1_epi64((long long)m[1]);
  const vec m2 = _mm512_set1_epi64((long long)m[2]), m3 = _mm512_set1_epi64((long long)m[3]);
  vec q0, q1, cy;
#define PAIR_HEAD(tv, uv, Q0, Q1, CY)                                  \
  do {                                                                 \
    vec t_ = (tv);                                                     \
    Q0 = _mm512_madd52lo_epu64(zero, t_, k0v);                         \
    t_ = _mm512_madd52lo_epu64(t_, Q0, m0);                            \
    vec u_ = _mm512_add_epi64((uv), _mm512_srli_epi64(t_, 52));        \
    u_ = _mm512_madd52hi_epu64(u_, Q0, m0);                            \
    u_ = _mm512_madd52lo_epu64(u_, Q0, m1);                            \
    Q1 = _mm512_madd52lo_epu64(zero, u_, k0v);                         \
    u_ = _mm512_madd52lo_epu64(u_, Q1, m0);                            \
    CY = _mm512_srli_epi64(u_, 52);                                    \
  } while (0)
  PAIR_HEAD(T[0], T[1], q0, q1, cy);
  for (i = 0; i + 1 < n; i += 2) {
    /* columns i+2 and i+3 (n >= 4: all four terms exist) */
    vec x = _mm512_add_epi64(T[i + 2], cy), y = T[i + 3];
    x = _mm512_madd52lo_epu64(x, q0, m2);
    y = _mm512_madd52lo_epu64(y, q0, m3);
    x = _mm512_madd52hi_epu64(x, q0, m1);
    y = _mm512_madd52hi_epu64(y, q0, m2);
    x = _mm512_madd52lo_epu64(x, q1, m1);
    y = _mm512_madd52lo_epu64(y, q1, m2);
    x = _mm512_madd52hi_epu64(x, q1, m0);
    y = _mm512_madd52hi_epu64(y, q1, m1);
    T[i + 2] = x;
    T[i + 3] = y;
    vec nq0 = zero, nq1 = zero, ncy = zero;
    if (i + 3 < n) PAIR_HEAD(x, y, nq0, nq1, ncy);
    /* interior k = i+4 .. i+n-1: m[k-i], m[k-i-1], m[k-i-2], the older two rolling over */
    int k = i + 4;
    vec mb = m3, mc = m2;
    for (; k + 1 <= i + n - 1; k += 2) {
      const vec ma = _mm512_set1_epi64((long long)m[k - i]);
      const vec mn = _mm512_set1_epi64((long long)m[k - i + 1]);
      vec u = T[k], v = T[k + 1];
      u = _mm512_madd52lo_epu64(u, q0, ma);
      v = _mm512_madd52lo_epu64(v, q0, mn);
      u = _mm512_madd52hi_epu64(u, q0, mb);
      v = _mm512_madd52hi_epu64(v, q0, ma);
      u = _mm512_madd52lo_epu64(u, q1, mb);
      v = _mm512_madd52lo_epu64(v, q1, ma);
      u = _mm512_madd52hi_epu64(u, q1, mc);
      v = _mm512_madd52hi_epu64(v, q1, mb);
      T[k] = u;
      T[k + 1] = v;
      mc = ma;
      mb = mn;
    }
    if (k <= i + n - 1) {
      const vec ma = _mm512_set1_epi64((long long)m[k - i]);
      vec u = T[k];
      u = _mm512_madd52lo_epu64(u, q0, ma);
      u = _mm512_madd52hi_epu64(u, q0, mb);
      u = _mm512_madd52lo_epu64(u, q1, mb);
      u = _mm512_madd52hi_epu64(u, q1, mc);
      T[k] = u;
    }
    { /* k = i + n and i + n + 1 */
      const vec mlast = _mm512_set1_epi64((long long)m[n - 1]);
      const vec mprev = _mm512_set1_epi64((long long)m[n - 2]);
      vec u = T[i + n];
      u = _mm512_madd52hi_epu64(u, q0, mlast);
      u = _mm512_madd52lo_epu64(u, q1, mlast);
      u = _mm512_madd52hi_epu64(u, q1, mprev);
      T[i + n] = u;
      T[i + n + 1] = _mm512_madd52hi_epu64(T[i + n + 1], q1, mlast);
    }
    q0 = nq0, q1 = nq1, cy = ncy;
  }
#undef PAIR_HEAD
  if (i < n) { /* n odd: one last row */
    vec t = T[i];
    const vec q = _mm512_madd52lo_epu64(zero, t, k0v);
    t = _mm512_madd52lo_epu64(t, q, m0);
    T[i + 1] = _mm512_add_epi64(T[i + 1], _mm512_srli_epi64(t, 52));
    vec mprev = m0;
    for (int j = 1; j < n; j++) {
      const vec mj = _mm512_set1_epi64((long long)m[j]);
      vec x = T[i + j];
      x = _mm512_madd52lo_epu64(x, q, mj);
      x = _mm512_madd52hi_epu64(x, q, mprev);
      T[i + j] = x;
      mprev = mj;
    }
    T[i + n] = _mm512_madd52hi_epu64(T[i + n], q, mprev);
  }
  const vec mask = _mm512_set1_epi64((long long)MASK52);
  cy = zero;
  for (int j = 0; j < n; j++) {
    vec x = _mm512_add_epi64(T[n + j], cy);
    r[j] = _mm512_and_si512(x, mask);
    cy = _mm512_srli_epi64(x, 52);
  }
}

/* Loads eight horizontal numbers (n 64-bit limbs each, at arbitrary addresses) into a vector
 * number. The addresses are absolute, hence the NULL base of the gathers. */
IFMA static void v_gather(vec *v, const uint64_t *const addr[8], int n) {
  vec idx = _mm512_loadu_si512((const void *)addr);
  const vec step = _mm512_set1_epi64(8);
  for (int j = 0; j < n; j++) {
    v[j] = _mm512_i64gather_epi64(idx, NULL, 1);
    idx = _mm512_add_epi64(idx, step);
  }
}

/* Same for packed fixed-base entries: limb j starts at bit 52j, i.e. byte 6.5j. */
IFMA static void v_gather_packed(vec *v, const uint8_t *const addr[8], int n) {
  const vec base = _mm512_loadu_si512((const void *)addr);
  const vec mask = _mm512_set1_epi64((long long)MASK52);
  for (int j = 0; j < n; j++) {
    const long long off = (long long)((52 * (unsigned)j) >> 3);
    vec x = _mm512_i64gather_epi64(_mm512_add_epi64(base, _mm512_set1_epi64(off)), NULL, 1);
    if (j & 1) x = _mm512_srli_epi64(x, 4);
    v[j] = _mm512_and_si512(x, mask);
  }
}

/* Copies lane l of a vector number to / from a horizontal number. */
static void v_get_lane(const vec *v, int l, uint64_t *h, int n) {
  const uint64_t *p = (const uint64_t *)v + l;
  for (int j = 0; j < n; j++) h[j] = p[8 * j];
}
static void v_set_lane(vec *v, int l, const uint64_t *h, int n) {
  uint64_t *p = (uint64_t *)v + l;
  for (int j = 0; j < n; j++) p[8 * j] = h[j];
}

/* Packs a normalised horizontal number (value < 2^(52n)) into a table entry. */
static void pack_entry(const uint64_t *h, int n, uint8_t *dst, size_t stride) {
  memset(dst, 0, stride);
  limbs_to_bytes(h, n, dst, (size_t)(52 * n + 7) / 8);
}

/* Writes lanes [0, k) of a vector number (almost reduced, < 2M) as fully reduced bytes. */
static void v_store_bytes(const fg_ifma *c, const vec *v, int k, uint8_t *out, uint64_t *tmp) {
  for (int l = 0; l < k; l++) {
    v_get_lane(v, l, tmp, c->n);
    cond_sub_m(tmp, c->m, c->n);
    limbs_to_bytes(tmp, c->n, out + (size_t)l * c->L, c->L);
  }
}

/* Loads k <= 8 elements of L bytes into lanes [0, k); lanes >= k repeat element 0. */
static void v_load_bytes(const fg_ifma *c, vec *v, const uint8_t *src, int k, uint64_t *tmp) {
  for (int l = 0; l < 8; l++) {
    if (l < k) bytes_to_limbs(src + (size_t)l * c->L, c->L, tmp, c->n);
    else if (l == k) bytes_to_limbs(src, c->L, tmp, c->n);
    v_set_lane(v, l, tmp, c->n);
  }
}

static void v_copy(vec *dst, const vec *src, int n) { memcpy(dst, src, (size_t)n * sizeof(vec)); }

/* ---- context ------------------------------------------------------------------------------- */

void fg_ifma_free(fg_ifma *c) {
  if (!c) return;
  free(c->m);
  free(c->one_h);
  free(c->r2_h);
  free(c->r2_v);
  free(c->onev);
  free(c->unit_v);
  free(c->one_packed);
  free(c);
}

static void replicate(uint64_t *v, const uint64_t *h, int n) {
  for (int j = 0; j < n; j++)
    for (int l = 0; l < 8; l++) v[8 * j + l] = h[j];
}

fg_ifma *fg_ifma_new(const uint8_t *mod_le, size_t len) {
  fg_ifma *c = calloc(1, sizeof *c);
  BN_CTX *ctx = BN_CTX_new();
  BIGNUM *m = BN_lebin2bn(mod_le, (int)len, NULL), *r = BN_new(), *t = BN_new();
  uint8_t *buf = NULL;
  if (!c || !ctx || !m || !r || !t) goto fail;
  int bits = BN_num_bits(m);
  c->n = (bits + 2 + 51) / 52; /* 52n >= bits + 2, i.e. R >= 4M: AMM outputs stay < 2M */
  if (c->n > MAX_LIMBS) goto fail; /* modarith.c caps moduli at 32768 bits (631 limbs) */
  c->L = len;
  const int n = c->n;
  c->m = calloc((size_t)n, 8);
  c->one_h = calloc((size_t)n, 8);
  c->r2_h = calloc((size_t)n, 8);
  c->r2_v = aalloc((size_t)n * 64);
  c->onev = aalloc((size_t)n * 64);
  c->unit_v = aalloc((size_t)n * 64);
  uint64_t *tmp = calloc((size_t)n, 8);
  size_t rbytes = (size_t)(52 * n + 7) / 8;
  buf = calloc(rbytes, 1);
  if (!c->m || !c->one_h || !c->r2_h || !c->r2_v || !c->onev || !c->unit_v || !tmp || !buf) {
    free(tmp);
    goto fail;
  }
  bytes_to_limbs(mod_le, len, c->m, n);
  /* k0 = -M^-1 mod 2^52 by Newton iteration (each step doubles the correct low bits). */
  uint64_t inv = 1;
  for (int i = 0; i < 6; i++) inv *= 2 - c->m[0] * inv;
  c->k0 = (0 - inv) & MASK52;
  /* R mod M and R^2 mod M with OpenSSL (once per context). */
  int ok = BN_set_bit(r, 52 * n) && BN_mod(t, r, m, ctx) &&
           BN_bn2lebinpad(t, buf, (int)rbytes) == (int)rbytes;
  if (ok) {
    bytes_to_limbs(buf, rbytes, c->one_h, n);
    replicate(c->onev, c->one_h, n);
    ok = BN_mod_sqr(t, t, m, ctx) && BN_bn2lebinpad(t, buf, (int)rbytes) == (int)rbytes;
  }
  if (ok) {
    bytes_to_limbs(buf, rbytes, c->r2_h, n);
    replicate(c->r2_v, c->r2_h, n);
    memset(tmp, 0, (size_t)n * 8);
    tmp[0] = 1;
    replicate(c->unit_v, tmp, n);
  }
  free(tmp);
  if (!ok) goto fail;
  /* Packed entry: limb j is read as 8 bytes at byte 6.5j, so the last limb needs
   * floor(6.5(n-1)) + 8 bytes; round up to a multiple of 8. */
  size_t need = (size_t)((52 * (n - 1)) >> 3) + 8;
  c->fb_stride = (need + 7) & ~(size_t)7;
  c->one_packed = calloc(c->fb_stride, 1);
  if (!c->one_packed) goto fail;
  pack_entry(c->one_h, n, c->one_packed, c->fb_stride);
  BN_free(m);
  BN_free(r);
  BN_free(t);
  BN_CTX_free(ctx);
  free(buf);
  return c;
fail:
  BN_free(m);
  BN_free(r);
  BN_free(t);
  BN_CTX_free(ctx);
  free(buf);
  fg_ifma_free(c);
  return NULL;
}

/* ---- modMul -------------------------------------------------------------------------------- */

/* a*b mod M: AMM(AMM(a, b), R^2) = a*b; with one shared b, AMM(a, AMM(b, R^2)) = a*b. */
IFMA int fg_ifma_mul(const fg_ifma *c, const uint8_t *a, const uint8_t *b, int b_single,
                     size_t cnt, uint8_t *out) {
  const int n = c->n;
  vec *x = aalloc((size_t)n * 64), *y = aalloc((size_t)n * 64), *T = aalloc((size_t)n * 64);
  uint64_t *tmp = malloc((size_t)n * 8);
  if (!x || !y || !T || !tmp) {
    free(x), free(y), free(T), free(tmp);
    return -1;
  }
  const vec *r2 = (const vec *)c->r2_v;
  if (b_single) {
    v_load_bytes(c, y, b, 1, tmp);
    v_amm(y, y, r2, c->m, c->k0, n, T); /* b*R */
  }
  for (size_t s = 0; s < cnt; s += 8) {
    int k = cnt - s < 8 ? (int)(cnt - s) : 8;
    v_load_bytes(c, x, a + s * c->L, k, tmp);
    if (b_single) {
      v_amm(x, x, y, c->m, c->k0, n, T);
    } else {
      v_load_bytes(c, y, b + s * c->L, k, tmp);
      v_amm(x, x, y, c->m, c->k0, n, T);
      v_amm(x, x, r2, c->m, c->k0, n, T);
    }
    v_store_bytes(c, x, k, out + s * c->L, tmp);
  }
  free(x), free(y), free(T), free(tmp);
  return 0;
}

/* ---- modPow: 8 bases, one shared exponent ---------------------------------------------------
 * Left-to-right fixed windows of w bits. The exponent is often secret (CRT decryption), so the
 * schedule depends only on its length, and table entries are selected by scanning the whole
 * table with masked moves (no secret-dependent addresses). */

static uint32_t bits_at(const uint8_t *e, size_t elen, size_t lo, unsigned w) {
  uint32_t v = 0;
  for (unsigned b = 0; b < w; b++) {
    size_t bit = lo + b;
    if ((bit >> 3) < elen) v |= (uint32_t)((e[bit >> 3] >> (bit & 7)) & 1) << b;
  }
  return v;
}

IFMA static void v_select(vec *r, const vec *tbl, unsigned entries, uint32_t d, int n) {
  for (int j = 0; j < n; j++) {
    vec x = _mm512_setzero_si512();
    for (unsigned i = 0; i < entries; i++) {
      /* all-ones mask iff i == d, computed without branches */
      __mmask8 k = (__mmask8)(0 - (((uint32_t)(i ^ d) - 1u) >> 31));
      x = _mm512_mask_mov_epi64(x, k, tbl[(size_t)i * n + j]);
    }
    r[j] = x;
  }
}

IFMA int fg_ifma_pow(const fg_ifma *c, const uint8_t *bases, size_t cnt, const uint8_t *e,
                     size_t elen, uint8_t *out) {
  const int n = c->n;
  size_t ebits = 8 * elen;
  while (ebits > 0 && !((e[(ebits - 1) >> 3] >> ((ebits - 1) & 7)) & 1)) ebits--;
  unsigned w = ebits > 640 ? 5 : ebits > 160 ? 4 : ebits > 40 ? 3 : ebits > 8 ? 2 : 1;
  const unsigned entries = 1u << w;
  vec *tbl = aalloc((size_t)entries * n * 64), *acc = aalloc((size_t)n * 64),
      *sel = aalloc((size_t)n * 64), *T = aalloc((size_t)(2 * n + 1) * 64);
  uint64_t *tmp = malloc((size_t)n * 8);
  if (!tbl || !acc || !sel || !T || !tmp) {
    free(tbl), free(acc), free(sel), free(T), free(tmp);
    return -1;
  }
  const size_t windows = (ebits + w - 1) / w;
  for (size_t s = 0; s < cnt; s += 8) {
    int k = cnt - s < 8 ? (int)(cnt - s) : 8;
    vec *t1 = tbl + (size_t)n;
    v_load_bytes(c, t1, bases + s * c->L, k, tmp);
    v_amm(t1, t1, (const vec *)c->r2_v, c->m, c->k0, n, T); /* Montgomery form */
    v_copy(tbl, (const vec *)c->onev, n);
    for (unsigned i = 2; i < entries; i++) {
      if (i & 1) v_amm(tbl + (size_t)i * n, tbl + (size_t)(i - 1) * n, t1, c->m, c->k0, n, T);
      else v_sqr(tbl + (size_t)i * n, tbl + (size_t)(i / 2) * n, c->m, c->k0, n, T);
    }
    size_t win = windows - 1;
    v_select(acc, tbl, entries, bits_at(e, elen, win * w, w), n);
    while (win-- > 0) {
      for (unsigned q = 0; q < w; q++) v_sqr(acc, acc, c->m, c->k0, n, T);
      v_select(sel, tbl, entries, bits_at(e, elen, win * w, w), n);
      v_amm(acc, acc, sel, c->m, c->k0, n, T);
    }
    v_amm(acc, acc, (const vec *)c->unit_v, c->m, c->k0, n, T); /* leave Montgomery form */
    v_store_bytes(c, acc, k, out + s * c->L, tmp);
  }
  free(tbl), free(acc), free(sel), free(T), free(tmp);
  return 0;
}

/* ---- fixed-base tables (BGMW) ---------------------------------------------------------------
 * Entry (k, d) = base^(d 2^(wk)) * R mod M, almost reduced, as packed 52-bit limbs of
 * fb_stride bytes. A power of 8 exponents at once: lane l multiplies the entries selected by
 * its own digits, fetched with gathers; the next position's entries are prefetched while the
 * current product runs (a window-12 table is ~180 MB, so each entry comes from DRAM). */

IFMA int fg_ifma_fb_init(const fg_ifma *c, const uint8_t *base, unsigned exp_bits,
                         unsigned window, uint8_t *entries) {
  const int n = c->n;
  const size_t positions = (exp_bits + window - 1) / window, digits = ((size_t)1 << window) - 1;
  const size_t stride = c->fb_stride;
  uint64_t *g = malloc(positions * (size_t)n * 8); /* g_k = base^(2^(wk)), Montgomery form */
  vec *x = aalloc((size_t)n * 64), *gv = aalloc((size_t)n * 64),
      *T = aalloc((size_t)(2 * n + 1) * 64);
  uint64_t *tmp = malloc((size_t)n * 8);
  if (!g || !x || !gv || !T || !tmp) {
    free(g), free(x), free(gv), free(T), free(tmp);
    return -1;
  }
  /* The chain of g_k is sequential: run it in all lanes at once (same value). */
  v_load_bytes(c, x, base, 1, tmp);
  v_amm(x, x, (const vec *)c->r2_v, c->m, c->k0, n, T);
  for (size_t k = 0; k < positions; k++) {
    v_get_lane(x, 0, g + k * n, n);
    if (k + 1 < positions)
      for (unsigned q = 0; q < window; q++) v_sqr(x, x, c->m, c->k0, n, T);
  }
  /* Eight positions per pass: lane l walks g_{k+l}^1, g^2, ..., g^digits. */
  for (size_t k0 = 0; k0 < positions; k0 += 8) {
    int lanes = positions - k0 < 8 ? (int)(positions - k0) : 8;
    for (int l = 0; l < 8; l++) v_set_lane(gv, l, g + (k0 + (l < lanes ? l : 0)) * n, n);
    v_copy(x, gv, n);
    for (size_t d = 1; d <= digits; d++) {
      if (d > 1) v_amm(x, x, gv, c->m, c->k0, n, T);
      for (int l = 0; l < lanes; l++) {
        v_get_lane(x, l, tmp, n);
        pack_entry(tmp, n, entries + ((k0 + l) * digits + d - 1) * stride, stride);
      }
    }
  }
  free(g), free(x), free(gv), free(T), free(tmp);
  return 0;
}

static uint32_t exp_digit(const uint8_t *e, unsigned exp_bits, unsigned w, size_t k) {
  size_t lo = k * w, hi = lo + w;
  if (hi > exp_bits) hi = exp_bits;
  uint32_t v = 0;
  for (size_t b = lo; b < hi; b++) v |= (uint32_t)((e[b >> 3] >> (b & 7)) & 1) << (b - lo);
  return v;
}

IFMA int fg_ifma_fb_pow(const fg_ifma *c, const uint8_t *entries, unsigned exp_bits,
                        unsigned window, const uint8_t *exps, size_t cnt, uint8_t *out) {
  const int n = c->n;
  const size_t positions = (exp_bits + window - 1) / window, digits = ((size_t)1 << window) - 1;
  const size_t stride = c->fb_stride, eb = (exp_bits + 7) / 8;
  vec *acc = aalloc((size_t)n * 64), *B = aalloc((size_t)n * 64), *T = aalloc((size_t)n * 64);
  uint64_t *tmp = malloc((size_t)n * 8);
  uint32_t *dg = malloc(positions * 8 * sizeof *dg); /* digit of lane l at step t: dg[8t + l] */
  if (!acc || !B || !T || !tmp || !dg) {
    free(acc), free(B), free(T), free(tmp), free(dg);
    return -1;
  }
  const uint8_t *addr[8];
  for (size_t s = 0; s < cnt; s += 8) {
    const int k = cnt - s < 8 ? (int)(cnt - s) : 8;
    /* Fewer than 8 exponents (a batch tail, or a single encryption): the product over window
     * positions is split over g lanes per exponent (lane l: exponent l / g, positions
     * p = l mod g (mod g)), and the g partial products are multiplied together at the end. */
    const int g = k == 1 ? 8 : k == 2 ? 4 : k <= 4 ? 2 : 1;
    const size_t steps = (positions + (size_t)g - 1) / (size_t)g;
    for (size_t t = 0; t < steps; t++)
      for (int l = 0; l < 8; l++) {
        size_t p = t * (size_t)g + (size_t)(l % g);
        dg[t * 8 + l] = l / g < k && p < positions
                            ? exp_digit(exps + (s + (size_t)(l / g)) * eb, exp_bits, window, p)
                            : 0;
      }
#define ENTRY(t, l)                                                                     \
  (dg[(t) * 8 + (l)]                                                                   \
       ? entries + (((t) * (size_t)g + (size_t)((l) % g)) * digits + dg[(t) * 8 + (l)] - 1) * stride \
       : c->one_packed)
#define ALL_ZERO(t)                                                                  \
  (!(dg[(t) * 8] | dg[(t) * 8 + 1] | dg[(t) * 8 + 2] | dg[(t) * 8 + 3] | dg[(t) * 8 + 4] | \
     dg[(t) * 8 + 5] | dg[(t) * 8 + 6] | dg[(t) * 8 + 7]))
    for (int l = 0; l < 8; l++) addr[l] = ENTRY(0, l);
    v_gather_packed(acc, addr, n); /* acc = entries of step 0 (or 1) */
    size_t next = 1;
    while (next < steps && ALL_ZERO(next)) next++;
    while (next < steps) {
      size_t t = next++;
      while (next < steps && ALL_ZERO(next)) next++;
      for (int l = 0; l < 8; l++) addr[l] = ENTRY(t, l);
      v_gather_packed(B, addr, n);
      if (next < steps) /* warm the caches for the following product */
        for (int l = 0; l < 8; l++) {
          const uint8_t *q = ENTRY(next, l);
          for (size_t off = 0; off < stride; off += 64) _mm_prefetch((const char *)q + off, _MM_HINT_T0);
        }
      v_amm(acc, acc, B, c->m, c->k0, n, T);
    }
#undef ALL_ZERO
#undef ENTRY
    /* tree-combine the g lanes of each exponent: lane l *= lane l + h */
    for (int h = 1; h < g; h <<= 1) {
      const __m512i idx = _mm512_and_si512(
          _mm512_add_epi64(_mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0), _mm512_set1_epi64(h)),
          _mm512_set1_epi64(7));
      for (int j = 0; j < n; j++) B[j] = _mm512_permutexvar_epi64(idx, acc[j]);
      v_amm(acc, acc, B, c->m, c->k0, n, T);
    }
    v_amm(acc, acc, (const vec *)c->unit_v, c->m, c->k0, n, T);
    for (int e = 0; e < k; e++) {
      v_get_lane(acc, e * g, tmp, n);
      cond_sub_m(tmp, c->m, n);
      limbs_to_bytes(tmp, n, out + (s + (size_t)e) * c->L, c->L);
    }
  }
  free(acc), free(B), free(T), free(tmp), free(dg);
  return 0;
}

/* ---- multi-exponentiation (Pippenger buckets on 8 lanes) -----------------------------------
 *
 * out_pos[j] * out_neg[j]^-1 = prod_i bases[i]^exps[i][j] (modarith.c does the inversion).
 * Pippenger's bucket method (Pippenger 1980; bucket formulation as in Bernstein et al.,
 * "Faster batch forgery identification", 2012): the exponent bits of a column are cut into W
 * windows of c_w ~ bits/W bits; within window w every term multiplies its base into bucket
 * B[digit]; the window's value prod_d B[d]^d comes from running products (S *= B[d]; T *= S from
 * the top digit down, two products per bucket); windows are joined by Horner's rule.
 *
 * Two variants, chosen per call by a cost model (in single-lane Montgomery products):
 *  - split: positive and negative exponents use separate bucket sets (P and Q); no inverses
 *    needed here; digits in [0, 2^c).
 *  - signed: all used bases are inverted once per call (Montgomery's batch-inversion trick:
 *    3 products per base plus one BN_mod_inverse), exponents are recoded into signed digits in
 *    [-2^(c-1), 2^(c-1)] and a negative digit uses the inverted base. One set of 2^(c-1) buckets
 *    per window instead of two sets of 2^c: ~4x less aggregation, which pays off when several
 *    columns share the bases. Falls back to split if some base is not invertible (a RangeError
 *    is then raised only if such a base really has a negative exponent).
 *
 * 8-lane schedule: terms are counting-sorted by bucket, so a bucket is a contiguous list of
 * base pointers. Bucket products are "jobs" that eight lanes pull from a queue: a lane multiplies
 * its running product by the next base (gathered, the following one prefetched) and stores the
 * product when its list ends. Lanes never share a bucket, so there are no conflicts. Lists longer
 * than lmax are cut into chunks whose products are combined in a further round: one lane never
 * runs a long bucket alone (e.g. a binary feature puts every term in one bucket).
 * Aggregation splits each set's digits into chunks of K so that >= 16 chains keep the lanes busy:
 * chunk l (digits lK+1..(l+1)K) yields S_l = prod B[d] and T_l = prod B[d]^(d-lK), and the set's
 * value is prod_l T_l * (prod_{l>=1} S_l^l)^K.
 */

#define MAX_WIN 40

typedef struct {
  uint32_t W, off[MAX_WIN], cw[MAX_WIN], D[MAX_WIN]; /* D: largest digit magnitude */
} win_layout;

/* Balanced windows over the bits that can occur: |e| < 2^bits, signed digits need one more. */
static void make_layout(win_layout *ly, uint32_t bits, uint32_t W, int is_signed) {
  uint32_t total = bits + (is_signed ? 1 : 0), off = 0;
  ly->W = W;
  for (uint32_t w = 0; w < W; w++) {
    uint32_t c = total / W + (w < total % W ? 1 : 0);
    ly->off[w] = off;
    ly->cw[w] = c;
    /* 64-bit shifts: the cost model also probes layouts with c up to 33 (then rejects them) */
    ly->D[w] = (uint32_t)(is_signed ? (c ? 1ull << (c - 1) : 0) : (1ull << c) - 1);
    off += c;
  }
}

/* Digit of window w (signed mode threads the recoding carry through *carry). */
static inline int32_t win_digit(const win_layout *ly, uint64_t mag, uint32_t w, int is_signed,
                                uint32_t *carry) {
  uint32_t c = ly->cw[w];
  uint64_t v = (mag >> ly->off[w]) & ((1ull << c) - 1);
  if (!is_signed) return (int32_t)v;
  v += *carry;
  if (v > (1ull << (c - 1))) {
    *carry = 1;
    return (int32_t)v - (int32_t)(1u << c);
  }
  *carry = 0;
  return (int32_t)v;
}

/* Chunk size K for the aggregation chains: >= 16 chains when the digit ranges allow. */
static uint32_t agg_chunk(const win_layout *ly, uint32_t sets_per_window, size_t *chains) {
  uint32_t K = 1;
  for (uint32_t w = 0; w < ly->W; w++)
    if (ly->D[w] > K) K = ly->D[w];
  for (;;) {
    size_t ch = 0;
    for (uint32_t w = 0; w < ly->W; w++) ch += sets_per_window * ((ly->D[w] + K - 1) / K);
    if (K == 1 || ch >= 16) {
      *chains = ch;
      return K;
    }
    K = (K + 1) / 2;
  }
}

/* Estimated cost (single-lane products) of one column with W windows. */
static double msm_cost(uint32_t bits, uint32_t W, size_t nnz, int signs, int is_signed) {
  if (W == 0 || W > bits + (is_signed ? 1 : 0) || W > MAX_WIN) return 1e300;
  win_layout ly;
  make_layout(&ly, bits, W, is_signed);
  if (ly.cw[0] > 16) return 1e300;
  const uint32_t spw = is_signed ? 1 : (uint32_t)signs;
  size_t chains;
  uint32_t K = agg_chunk(&ly, spw, &chains);
  double sets = (double)W * spw, cmax = 0;
  for (uint32_t w = 0; w < W; w++) {
    double cc = (double)((ly.D[w] + K - 1) / K);
    if (cc > cmax) cmax = cc;
  }
  double acc = (double)W * (double)nnz * 1.05;
  double agg = 8.0 * 2.0 * K * (double)((chains + 7) / 8);
  double setc = 8.0 * (3.0 * cmax + 32 - __builtin_clz(K)) * ((sets + 7) / 8);
  double horner = 0;
  for (uint32_t w = 0; w + 1 < W; w++) horner += 8.0 * (ly.cw[w] + 1);
  return acc + agg + setc + horner;
}

static void prefetch_num(const uint64_t *p, int n) {
  const char *b = (const char *)p, *e = (const char *)(p + n) - 1;
  for (; b <= e; b += 64) _mm_prefetch(b, _MM_HINT_T0);
  _mm_prefetch(e, _MM_HINT_T0);
}

typedef struct {
  uint32_t start, len; /* items[start, start + len), len >= 2 */
  uint64_t *dest;
} mjob;

/* Runs product jobs on the 8 lanes (see above). acc, B: n vectors; T: scratch. */
IFMA static void run_jobs(const fg_ifma *c, const uint64_t *const *items, const mjob *jobs,
                          size_t njobs, vec *acc, vec *B, vec *T) {
  const int n = c->n;
  size_t next = 0, job[8] = {0};
  uint32_t pos[8] = {0}, end[8] = {0};
  int active[8] = {0};
  const uint64_t *addr[8];
  for (;;) {
    int any = 0;
    for (int l = 0; l < 8; l++) {
      if (active[l] && pos[l] == end[l]) {
        v_get_lane(acc, l, jobs[job[l]].dest, n);
        active[l] = 0;
      }
      if (!active[l] && next < njobs) {
        const mjob *jb = &jobs[next];
        job[l] = next++;
        v_set_lane(acc, l, items[jb->start], n);
        pos[l] = jb->start + 1;
        end[l] = jb->start + jb->len;
        active[l] = 1;
      }
      addr[l] = active[l] ? items[pos[l]] : c->one_h;
      any |= active[l];
    }
    if (!any) break;
    v_gather(B, addr, n);
    for (int l = 0; l < 8; l++) /* next step's operands may come from L3/DRAM for large N */
      if (active[l] && pos[l] + 1 < end[l]) prefetch_num(items[pos[l] + 1], n);
    v_amm(acc, acc, B, c->m, c->k0, n, T);
    for (int l = 0; l < 8; l++) pos[l] += (uint32_t)active[l];
  }
}

/* Memory for intermediate numbers that lives until the end of a column. */
typedef struct arena_blk {
  struct arena_blk *next;
  uint64_t data[];
} arena_blk;

static uint64_t *arena_alloc(arena_blk **head, size_t words) {
  arena_blk *b = malloc(sizeof *b + (words ? words : 1) * 8);
  if (!b) return NULL;
  b->next = *head;
  *head = b;
  return b->data;
}

static void arena_free(arena_blk **head) {
  while (*head) {
    arena_blk *b = *head;
    *head = b->next;
    free(b);
  }
}

/* result[g] = product of items[gs[g], gs[g+1]): ONE if empty, the item itself if alone.
 * Groups longer than lmax (>= 4) are cut into balanced chunks and combined in later rounds. */
IFMA static int group_products(const fg_ifma *c, const uint64_t **items, const uint32_t *gs,
                               size_t ng, const uint64_t **result, size_t lmax, arena_blk **arena,
                               vec *acc, vec *B, vec *T) {
  const int n = c->n;
  int rc = -1;
  size_t *gid = malloc((ng ? ng : 1) * sizeof *gid);
  const uint64_t **it_buf = NULL;
  uint32_t *gs_buf = NULL;
  size_t *gid_buf = NULL;
  mjob *jobs = NULL;
  if (!gid) return -1;
  for (size_t g = 0; g < ng; g++) gid[g] = g;
  const uint64_t **cur_items = items;
  const uint32_t *cur_gs = gs;
  size_t cur_ng = ng;
  while (cur_ng > 0) {
    size_t njobs = 0, next_ng = 0, next_items = 0;
    for (size_t g = 0; g < cur_ng; g++) {
      size_t len = cur_gs[g + 1] - cur_gs[g];
      if (len <= 1) {
        result[gid[g]] = len ? cur_items[cur_gs[g]] : c->one_h;
        continue;
      }
      size_t k = (len + lmax - 1) / lmax;
      njobs += k;
      if (k > 1) next_ng++, next_items += k;
    }
    free(jobs);
    jobs = malloc((njobs ? njobs : 1) * sizeof *jobs);
    uint64_t *slots = arena_alloc(arena, njobs * (size_t)n);
    const uint64_t **nit = malloc((next_items ? next_items : 1) * sizeof *nit);
    uint32_t *ngs = malloc((next_ng + 1) * sizeof *ngs);
    size_t *ngid = malloc((next_ng ? next_ng : 1) * sizeof *ngid);
    if (!jobs || !slots || !nit || !ngs || !ngid) {
      free(nit), free(ngs), free(ngid);
      goto done;
    }
    size_t j = 0, ni = 0, gg = 0;
    ngs[0] = 0;
    for (size_t g = 0; g < cur_ng; g++) {
      size_t len = cur_gs[g + 1] - cur_gs[g];
      if (len <= 1) continue;
      size_t k = (len + lmax - 1) / lmax, base = len / k, rem = len % k;
      uint32_t s = cur_gs[g];
      for (size_t q = 0; q < k; q++) {
        uint32_t cl = (uint32_t)(base + (q < rem ? 1 : 0)); /* >= 2 since lmax >= 4 */
        uint64_t *dst = slots + j * (size_t)n;
        jobs[j++] = (mjob){s, cl, dst};
        s += cl;
        if (k == 1) result[gid[g]] = dst;
        else nit[ni++] = dst;
      }
      if (k > 1) {
        ngid[gg] = gid[g];
        ngs[gg + 1] = (uint32_t)ni;
        gg++;
      }
    }
    run_jobs(c, cur_items, jobs, njobs, acc, B, T);
    free(it_buf), free(gs_buf), free(gid_buf);
    it_buf = nit, gs_buf = ngs, gid_buf = ngid;
    cur_items = nit, cur_gs = ngs, cur_ng = next_ng;
    memcpy(gid, ngid, next_ng * sizeof *gid);
  }
  rc = 0;
done:
  free(gid), free(it_buf), free(gs_buf), free(gid_buf), free(jobs);
  return rc;
}

/* bi[u] = bh[u]^-1 (Montgomery form) for u < nu, by Montgomery's trick: lane l takes a
 * contiguous block, forms prefix products, the 8 block products are inverted together with one
 * BN_mod_inverse, then the block is walked backwards (2 products per base).
 * Returns 0, 1 if some base is not invertible, -1 on allocation failure. */
IFMA static int batch_inverse(const fg_ifma *c, const uint64_t *bh, size_t nu, uint64_t *bi,
                              vec *acc, vec *B, vec *B2, vec *T) {
  const int n = c->n;
  const size_t hb = (size_t)n, bs = (nu + 7) / 8;
  size_t first[8], len[8];
  const uint64_t *addr[8];
  uint64_t *tmp = malloc(hb * 8);
  uint8_t *buf = malloc(c->L + 8);
  BN_CTX *ctx = BN_CTX_new();
  int rc = -1;
  if (!tmp || !buf || !ctx) goto out;
  BN_CTX_start(ctx);
  BIGNUM *m = BN_CTX_get(ctx), *r2 = BN_CTX_get(ctx), *inv = BN_CTX_get(ctx), *t = BN_CTX_get(ctx);
  BIGNUM *y[8], *p[8];
  for (int l = 0; l < 8; l++) y[l] = BN_CTX_get(ctx), p[l] = BN_CTX_get(ctx);
  if (!p[7]) goto out_bn;
  for (int l = 0; l < 8; l++) {
    first[l] = (size_t)l * bs < nu ? (size_t)l * bs : nu;
    size_t e = first[l] + bs < nu ? first[l] + bs : nu;
    len[l] = e - first[l];
  }
  /* forward: prefix products, stored in bi */
  for (int l = 0; l < 8; l++) addr[l] = len[l] ? bh + first[l] * hb : c->one_h;
  v_gather(acc, addr, n);
  for (int l = 0; l < 8; l++)
    if (len[l]) v_get_lane(acc, l, bi + first[l] * hb, n);
  for (size_t s = 1; s < bs; s++) {
    for (int l = 0; l < 8; l++) addr[l] = s < len[l] ? bh + (first[l] + s) * hb : c->one_h;
    v_gather(B, addr, n);
    v_amm(acc, acc, B, c->m, c->k0, n, T);
    for (int l = 0; l < 8; l++)
      if (s < len[l]) v_get_lane(acc, l, bi + (first[l] + s) * hb, n);
  }
  /* invert the 8 block products Y_l = X_l R (as integers) together, then I_l = X_l^-1 R =
   * Y_l^-1 R^2 mod M */
#define TO_BN(h, bnv)                                   \
  do {                                                  \
    limbs_to_bytes((h), n, buf, c->L + 1);              \
    if (!BN_lebin2bn(buf, (int)c->L + 1, (bnv))) goto out_bn; \
  } while (0)
  TO_BN(c->m, m);
  TO_BN(c->r2_h, r2);
  for (int l = 0; l < 8; l++) {
    v_get_lane(acc, l, tmp, n);
    TO_BN(tmp, y[l]);
    if (l == 0 ? !BN_copy(p[0], y[0]) : !BN_mod_mul(p[l], p[l - 1], y[l], m, ctx)) goto out_bn;
  }
  if (!BN_mod_inverse(inv, p[7], m, ctx)) {
    ERR_clear_error();
    rc = 1;
    goto out_bn;
  }
  for (int l = 7; l >= 0; l--) {
    if (l > 0) {
      if (!BN_mod_mul(t, inv, p[l - 1], m, ctx) || !BN_mod_mul(inv, inv, y[l], m, ctx)) goto out_bn;
    } else if (!BN_copy(t, inv)) {
      goto out_bn;
    }
    if (!BN_mod_mul(t, t, r2, m, ctx) || BN_bn2lebinpad(t, buf, (int)c->L) != (int)c->L) goto out_bn;
    bytes_to_limbs(buf, c->L, tmp, n);
    v_set_lane(acc, l, tmp, n);
  }
#undef TO_BN
  /* backward: inv_s = I * prefix_{s-1}; I *= b_s (prefix_s was consumed one step earlier, so
   * inv_s may overwrite it) */
  for (size_t s = bs; s-- > 1;) {
    for (int l = 0; l < 8; l++) {
      int a = s < len[l];
      addr[l] = a ? bi + (first[l] + s - 1) * hb : c->one_h;
    }
    v_gather(B, addr, n);
    for (int l = 0; l < 8; l++) addr[l] = s < len[l] ? bh + (first[l] + s) * hb : c->one_h;
    v_gather(B2, addr, n);
    v_amm(B, acc, B, c->m, c->k0, n, T);
    v_amm(acc, acc, B2, c->m, c->k0, n, T);
    for (int l = 0; l < 8; l++)
      if (s < len[l]) v_get_lane(B, l, bi + (first[l] + s) * hb, n);
  }
  for (int l = 0; l < 8; l++)
    if (len[l]) v_get_lane(acc, l, bi + first[l] * hb, n);
  rc = 0;
out_bn:
  BN_CTX_end(ctx);
out:
  BN_CTX_free(ctx);
  free(tmp);
  free(buf);
  return rc;
}

IFMA int fg_ifma_multiexp(const fg_ifma *c, const uint8_t *bases, size_t nb, const int32_t *exps,
                          size_t columns, uint8_t *pos_out, uint8_t *neg_out) {
  const int n = c->n;
  const size_t hb = (size_t)n; /* words per horizontal number */
  int rc = -1;
  uint64_t *bh = NULL, *bi = NULL, *chainS = NULL, *chainT = NULL, *setR = NULL;
  uint32_t *cnt = NULL, *uidx = NULL, *colbits = NULL;
  size_t *colnnz = NULL;
  uint8_t *colneg = NULL;
  const uint64_t **items = NULL, **bptr = NULL;
  arena_blk *arena = NULL;
  vec *acc = aalloc((size_t)n * 64), *acc2 = aalloc((size_t)n * 64), *B = aalloc((size_t)n * 64),
      *B2 = aalloc((size_t)n * 64), *T = aalloc((size_t)(2 * n + 1) * 64);
  uint64_t *tmp = malloc(hb * 8);
  uidx = malloc((nb ? nb : 1) * sizeof *uidx);
  colbits = calloc(columns, sizeof *colbits);
  colnnz = calloc(columns, sizeof *colnnz);
  colneg = calloc(columns, 1);
  if (!acc || !acc2 || !B || !B2 || !T || !tmp || !uidx || !colbits || !colnnz || !colneg)
    goto done;

  /* column statistics and the bases actually used */
  size_t nu = 0;
  for (size_t i = 0; i < nb; i++) {
    int used = 0;
    for (size_t j = 0; j < columns; j++) {
      int32_t e = exps[i * columns + j];
      if (!e) continue;
      uint32_t mag = e < 0 ? (uint32_t)0 - (uint32_t)e : (uint32_t)e;
      uint32_t bl = 32 - (uint32_t)__builtin_clz(mag);
      if (bl > colbits[j]) colbits[j] = bl;
      colnnz[j]++;
      colneg[j] |= e < 0;
      used = 1;
    }
    uidx[i] = used ? (uint32_t)nu++ : UINT32_MAX;
  }

  /* used bases -> Montgomery form, 8 at a time */
  bh = malloc((nu ? nu : 1) * hb * 8);
  if (!bh) goto done;
  {
    size_t pend[8];
    int k = 0;
    for (size_t i = 0; i <= nb; i++) {
      if (i < nb && uidx[i] != UINT32_MAX) pend[k++] = i;
      if (k == 8 || (i == nb && k > 0)) {
        for (int l = 0; l < 8; l++) {
          bytes_to_limbs(bases + pend[l < k ? l : 0] * c->L, c->L, tmp, n);
          v_set_lane(acc, l, tmp, n);
        }
        v_amm(acc, acc, (const vec *)c->r2_v, c->m, c->k0, n, T);
        for (int l = 0; l < k; l++) v_get_lane(acc, l, bh + (size_t)uidx[pend[l]] * hb, n);
        k = 0;
      }
    }
  }

  /* split or signed? (see above) */
  int is_signed = 0;
  {
    double cost_split = 0, cost_signed = 3.0 * (double)nu;
    for (size_t j = 0; j < columns; j++) {
      if (!colbits[j]) continue;
      double bs = 1e300, bg = 1e300;
      for (uint32_t W = 1; W <= colbits[j] + 1; W++) {
        double x = msm_cost(colbits[j], W, colnnz[j], 1 + colneg[j], 0);
        double y = msm_cost(colbits[j], W, colnnz[j], 1, 1);
        if (x < bs) bs = x;
        if (y < bg) bg = y;
      }
      cost_split += bs, cost_signed += bg;
    }
    if (nu > 0 && cost_signed < cost_split) {
      bi = malloc(nu * hb * 8);
      if (!bi) goto done;
      int r = batch_inverse(c, bh, nu, bi, acc, B, B2, T);
      if (r < 0) goto done;
      is_signed = r == 0; /* a non-invertible base: split mode decides whether to throw */
    }
  }

  for (size_t col = 0; col < columns; col++) {
    arena_free(&arena);
    const uint32_t bits = colbits[col];
    const size_t nnz = colnnz[col];
    uint8_t *pdst = pos_out + col * c->L, *ndst = neg_out + col * c->L;
    if (bits == 0) {
      memset(pdst, 0, c->L), memset(ndst, 0, c->L);
      pdst[0] = ndst[0] = 1;
      continue;
    }
    const uint32_t spw = is_signed ? 1 : 2; /* sets per window: (pos, neg) in split mode */
    uint32_t W = 1;
    {
      double best = 1e301;
      for (uint32_t w = 1; w <= bits + 1; w++) {
        double cost = msm_cost(bits, w, nnz, is_signed ? 1 : 1 + colneg[col], is_signed);
        if (cost < best) best = cost, W = w;
      }
    }
    win_layout ly;
    make_layout(&ly, bits, W, is_signed);
    const size_t nsets = (size_t)W * spw;
    size_t keybase[2 * MAX_WIN + 1];
    keybase[0] = 0;
    for (size_t s = 0; s < nsets; s++) keybase[s + 1] = keybase[s] + ly.D[s / spw] + 1;
    const size_t nkeys = keybase[nsets];

    /* counting sort of (set, digit) -> base pointer */
    free(cnt), free(items), free(bptr);
    cnt = calloc(nkeys + 2, sizeof *cnt);
    items = malloc((nnz * W > 0 ? nnz * W : 1) * sizeof *items);
    bptr = malloc(nkeys * sizeof *bptr);
    if (!cnt || !items || !bptr) goto done;
    for (int pass = 0; pass < 2; pass++) {
      for (size_t i = 0; i < nb; i++) {
        int32_t e = exps[i * columns + col];
        if (!e) continue;
        uint64_t mag = e < 0 ? (uint64_t)0 - (uint64_t)(int64_t)e : (uint64_t)e;
        uint32_t carry = 0;
        for (uint32_t w = 0; w < W; w++) {
          int32_t d = win_digit(&ly, mag, w, is_signed, &carry);
          if (!d) continue;
          int neg = (e < 0) ^ (d < 0);
          size_t set = is_signed ? w : (size_t)w * 2 + (e < 0);
          size_t key = keybase[set] + (size_t)(d < 0 ? -d : d);
          if (pass == 0) {
            cnt[key + 2]++;
          } else {
            const uint64_t *src = (is_signed && neg ? bi : bh) + (size_t)uidx[i] * hb;
            items[cnt[key + 1]++] = src;
          }
        }
      }
      if (pass == 0) /* cnt[k+1] = start of key k (advanced while filling), cnt[k+2] = its end */
        for (size_t q = 0; q < nkeys; q++) cnt[q + 2] += cnt[q + 1];
    }
    /* bucket products; lmax ~ sqrt(entries / 8) balances chunk overhead against idle lanes */
    {
      size_t entries = cnt[nkeys], lmax = 4;
      while (lmax * lmax * 8 < entries) lmax++;
      if (group_products(c, items, cnt, nkeys, bptr, lmax, &arena, acc, B, T)) goto done;
    }

    /* aggregation chains */
    uint8_t setlive[2 * MAX_WIN];
    size_t live_sets = 0;
    for (size_t s = 0; s < nsets; s++) {
      setlive[s] = cnt[keybase[s + 1]] != cnt[keybase[s]];
      live_sets += setlive[s];
    }
    size_t dummy;
    const uint32_t K = agg_chunk(&ly, is_signed ? 1 : 1 + colneg[col], &dummy);
    size_t chain_base[2 * MAX_WIN + 1], nchains = 0, cmax = 1;
    for (size_t s = 0; s < nsets; s++) {
      chain_base[s] = nchains;
      if (!setlive[s]) continue;
      size_t cc = (ly.D[s / spw] + K - 1) / K;
      nchains += cc;
      if (cc > cmax) cmax = cc;
    }
    chain_base[nsets] = nchains;
    free(chainS), free(chainT), free(setR);
    chainS = malloc((nchains ? nchains : 1) * hb * 8);
    chainT = malloc((nchains ? nchains : 1) * hb * 8);
    setR = malloc(nsets * hb * 8);
    if (!chainS || !chainT || !setR) goto done;
    {
      size_t cs[8], cl[8];
      size_t ch = 0, s = 0;
      while (s < nsets && !setlive[s]) s++;
      size_t l = 0;
      while (ch < nchains) {
        int k = 0;
        for (; k < 8 && ch + k < nchains; k++) {
          cs[k] = s, cl[k] = l;
          if (++l == chain_base[s + 1] - chain_base[s]) {
            l = 0;
            do s++;
            while (s < nsets && !setlive[s]);
          }
        }
        const uint64_t *addr[8];
#define BUCKET(q, d)                                                                  \
  ((q) < k && (d) >= 1 && (d) <= ly.D[cs[q] / spw] ? bptr[keybase[cs[q]] + (d)] : c->one_h)
        for (int q = 0; q < 8; q++) addr[q] = BUCKET(q, (q < k ? cl[q] + 1 : 1) * K);
        v_gather(acc, addr, n); /* S = top bucket of the chunk */
        v_copy(acc2, acc, n);   /* T = S */
        for (uint32_t t = 1; t < K; t++) {
          for (int q = 0; q < 8; q++) addr[q] = BUCKET(q, (q < k ? cl[q] + 1 : 1) * K - t);
          v_gather(B, addr, n);
          v_amm(acc, acc, B, c->m, c->k0, n, T);
          v_amm(acc2, acc2, acc, c->m, c->k0, n, T);
        }
#undef BUCKET
        for (int q = 0; q < k; q++) {
          v_get_lane(acc, q, chainS + (ch + q) * hb, n);
          v_get_lane(acc2, q, chainT + (ch + q) * hb, n);
        }
        ch += (size_t)k;
      }
    }
    /* per set: R = prod_l T_l * (prod_{l>=1} S_l^l)^K, 8 sets at a time */
    {
      size_t live_idx[2 * MAX_WIN], nl = 0;
      for (size_t s = 0; s < nsets; s++)
        if (setlive[s]) live_idx[nl++] = s;
      for (size_t g = 0; g < nl; g += 8) {
        int k = nl - g < 8 ? (int)(nl - g) : 8;
        const uint64_t *addr[8];
#define CH(arr, q, l)                                                                     \
  ((q) < k && (l) < chain_base[live_idx[g + (q)] + 1] - chain_base[live_idx[g + (q)]]     \
       ? (arr) + (chain_base[live_idx[g + (q)]] + (l)) * hb                              \
       : c->one_h)
        if (cmax > 1) {
          for (int q = 0; q < 8; q++) addr[q] = CH(chainS, q, cmax - 1);
          v_gather(acc, addr, n); /* S' */
          v_copy(acc2, acc, n);   /* T' */
          for (size_t l = cmax - 1; l-- > 1;) {
            for (int q = 0; q < 8; q++) addr[q] = CH(chainS, q, l);
            v_gather(B, addr, n);
            v_amm(acc, acc, B, c->m, c->k0, n, T);
            v_amm(acc2, acc2, acc, c->m, c->k0, n, T);
          }
          /* acc = acc2^K by left-to-right square-and-multiply */
          v_copy(acc, acc2, n);
          int top = 31 - __builtin_clz(K);
          for (int bit = top - 1; bit >= 0; bit--) {
            v_sqr(acc, acc, c->m, c->k0, n, T);
            if ((K >> bit) & 1) v_amm(acc, acc, acc2, c->m, c->k0, n, T);
          }
          for (size_t l = 0; l < cmax; l++) {
            for (int q = 0; q < 8; q++) addr[q] = CH(chainT, q, l);
            v_gather(B, addr, n);
            v_amm(acc, acc, B, c->m, c->k0, n, T);
          }
        } else {
          for (int q = 0; q < 8; q++) addr[q] = CH(chainT, q, 0);
          v_gather(acc, addr, n);
        }
#undef CH
        for (int q = 0; q < k; q++) v_get_lane(acc, q, setR + live_idx[g + q] * hb, n);
      }
    }
    /* Horner over windows; lane 0 = P, lane 1 = Q (split mode) */
    {
      const uint64_t *addr[8];
#define SETR(w, q) ((uint32_t)(q) < spw && setlive[(size_t)(w) * spw + (q)] ? setR + ((size_t)(w) * spw + (q)) * hb : c->one_h)
      for (int q = 0; q < 8; q++) addr[q] = SETR(W - 1, q);
      v_gather(acc, addr, n);
      for (uint32_t w = W - 1; w-- > 0;) {
        for (uint32_t q = 0; q < ly.cw[w]; q++) v_sqr(acc, acc, c->m, c->k0, n, T);
        for (int q = 0; q < 8; q++) addr[q] = SETR(w, q);
        v_gather(B, addr, n);
        v_amm(acc, acc, B, c->m, c->k0, n, T);
      }
#undef SETR
      v_amm(acc, acc, (const vec *)c->unit_v, c->m, c->k0, n, T);
      v_store_bytes(c, acc, 1, pdst, tmp);
      if (is_signed) {
        memset(ndst, 0, c->L);
        ndst[0] = 1;
      } else {
        v_get_lane(acc, 1, tmp, n);
        cond_sub_m(tmp, c->m, n);
        limbs_to_bytes(tmp, n, ndst, c->L);
      }
    }
  }
  rc = 0;
done:
  arena_free(&arena);
  free(acc), free(acc2), free(B), free(B2), free(T), free(tmp);
  free(bh), free(bi), free(chainS), free(chainT), free(setR);
  free(cnt), free(items), free(bptr), free(uidx), free(colbits), free(colnnz), free(colneg);
  return rc;
}
