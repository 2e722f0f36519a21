/*
 * SM2 x-only scalar multiplication, 8 points at a time with AVX-512 IFMA (see sm2_ifma.h).
 * The same algorithm as the portable kernel in sm2.c (Jacobian coordinates, a = −3 doubling,
 * 4-bit fixed windows, masked table scan, masked "still O" / "digit 0" selection), with the
 * field arithmetic of GF(p), p = 2^256 − 2^224 − 2^96 + 2^64 − 1, done for 8 points at once.
 *
 * Layout. One point per 64-bit lane; an element for 8 points is 5 vectors, limb j of every
 * point in vector j, radix 2^52 ("f8"). Montgomery form with R = 2^260; −p⁻¹ mod 2^52 = 1
 * (p ≡ −1 mod 2^64), so the quotient digit is the low 52 bits of the accumulator itself.
 *
 * Invariant: every element is "normalized" (limbs < 2^52, as IFMA reads only bits 0..51 of its
 * inputs) and its value is < 2^257 (not necessarily < p). Derivations:
 *  - f8_mul: word-by-word Montgomery product. Each of the 5 rounds adds to an accumulator at
 *    most 4 products halves (< 2^52 each) and the shifted carry, so accumulators stay < 2^57.
 *    The result is (ab + Mp)/2^260 < ab/2^260 + p < 2^254 + 2^256 < 2^257 for a, b < 2^257,
 *    then normalized by one sequential carry pass.
 *  - f8_add / f8_sub: limb-wise a + b, or a − b + 4p with 4p written with every limb 0..3
 *    ≥ 2^52 and limb 4 ≥ 2^49 > any b limb, so no limb goes negative; limbs < 2^54. Then
 *    "fold": h = limb4 >> 48 (the bits from 2^256 on; h < 8) is removed and h·(2^256 mod p)
 *    = h·(2^224 + 2^96 − 2^64 + 1) is added back to limbs 0, 1 and 4 (the −2^64 and +2^96 terms
 *    both land in limb 1 as h·2^44 − h·2^12 ≥ 0). The value is now < 2^256 + 2^212 + 2^230 <
 *    2^257, and a sequential carry pass normalizes it.
 *  - Output: a Montgomery product by 1 is < 2^257/2^260 + p, i.e. ≤ p; the lanes are then
 *    moved to 64-bit limbs and p is subtracted where the value equals p.
 *
 * Constant time: all lanes use the same scalar; the table entry and the special cases are
 * chosen with mask blends whose masks are computed from the scalar digit without branches.
 * Exponents (square root, inversion) are public constants.
 */
#include "sm2_ifma.h"

#ifdef FG_SM2_IFMA_KERNEL

#include <immintrin.h>
#include <string.h>

#define FG_TARGET __attribute__((target("avx512f,avx512vl,avx512ifma")))
#define INL static inline __attribute__((always_inline)) FG_TARGET

typedef uint64_t u64;

#define M52 0xfffffffffffffULL
#define M48 0xffffffffffffULL

typedef struct {
  __m512i l[5];
} f8;

typedef struct {
  f8 x, y, z;
} j8;

static const u64 P52[5] = {0xfffffffffffffULL, 0xff00000000fffULL, 0xfffffffffffffULL,
                           0xfffffffffffffULL, 0xfffffffeffffULL};
static const u64 BIAS4P[5] = {0x1ffffffffffffcULL, 0x1fc00000003ffeULL, 0x1ffffffffffffeULL,
                              0x1ffffffffffffeULL, 0x3fffffffbfffeULL};
/* (2^260)² mod p, 2^260 mod p, b · 2^260 mod p in radix 2^52. */
static const u64 RR52[5] = {0x20000000300ULL, 0xffffffff00000ULL, 0x100000002ULL,
                            0x200000001000ULL, 0x4000000ULL};
static const u64 ONE52[5] = {0x10ULL, 0xffffffff0000ULL, 0x0ULL, 0x0ULL, 0x100000ULL};
static const u64 BM52[5] = {0x30632bc0dd422ULL, 0xb09b537ab70d2ULL, 0xa51c3c71cf379ULL,
                            0x2c8527981505eULL, 0x40fe188da20eULL};
static const u64 P64[4] = {0xffffffffffffffffULL, 0xffffffff00000000ULL, 0xffffffffffffffffULL,
                           0xfffffffeffffffffULL};
static const u64 E_SQRT[4] = {0x4000000000000000ULL, 0xffffffffc0000000ULL, 0xffffffffffffffffULL,
                              0x3fffffffbfffffffULL};
static const u64 E_INV[4] = {0xfffffffffffffffdULL, 0xffffffff00000000ULL, 0xffffffffffffffffULL,
                             0xfffffffeffffffffULL};
/* Gx, a valid x used to fill unused or rejected lanes (big-endian). */
static const uint8_t GX_BE[32] = {0x32, 0xc4, 0xae, 0x2c, 0x1f, 0x19, 0x81, 0x19,
                                  0x5f, 0x99, 0x04, 0x46, 0x6a, 0x39, 0xc9, 0x94,
                                  0x8f, 0xe3, 0x0b, 0xbf, 0xf2, 0x66, 0x0b, 0xe1,
                                  0x71, 0x5a, 0x45, 0x89, 0x33, 0x4c, 0x74, 0xc7};

INL __m512i vset(u64 x) { return _mm512_set1_epi64((long long)x); }

INL void f8_const(f8 *r, const u64 c[5]) {
  for (int j = 0; j < 5; j++) r->l[j] = vset(c[j]);
}

INL void f8_norm(f8 *r) {
  const __m512i M = vset(M52);
  for (int j = 0; j < 4; j++) {
    r->l[j + 1] = _mm512_add_epi64(r->l[j + 1], _mm512_srli_epi64(r->l[j], 52));
    r->l[j] = _mm512_and_si512(r->l[j], M);
  }
}

INL void f8_fold_norm(f8 *r) {
  __m512i h = _mm512_srli_epi64(r->l[4], 48);
  r->l[4] = _mm512_add_epi64(_mm512_and_si512(r->l[4], vset(M48)), _mm512_slli_epi64(h, 16));
  r->l[0] = _mm512_add_epi64(r->l[0], h);
  r->l[1] = _mm512_add_epi64(r->l[1],
                             _mm512_sub_epi64(_mm512_slli_epi64(h, 44), _mm512_slli_epi64(h, 12)));
  f8_norm(r);
}

INL void f8_add(f8 *r, const f8 *a, const f8 *b) {
  for (int j = 0; j < 5; j++) r->l[j] = _mm512_add_epi64(a->l[j], b->l[j]);
  f8_fold_norm(r);
}

INL void f8_sub(f8 *r, const f8 *a, const f8 *b) {
  for (int j = 0; j < 5; j++)
    r->l[j] = _mm512_sub_epi64(_mm512_add_epi64(a->l[j], vset(BIAS4P[j])), b->l[j]);
  f8_fold_norm(r);
}

static inline FG_TARGET void f8_mul(f8 *r, const f8 *a, const f8 *b) {
  const __m512i M = vset(M52);
  __m512i p0 = vset(P52[0]), p1 = vset(P52[1]), p2 = vset(P52[2]), p3 = vset(P52[3]),
          p4 = vset(P52[4]);
  __m512i z = _mm512_setzero_si512();
  __m512i c0 = z, c1 = z, c2 = z, c3 = z, c4 = z, c5 = z;
  for (int i = 0; i < 5; i++) {
    __m512i bi = b->l[i];
    c0 = _mm512_madd52lo_epu64(c0, a->l[0], bi);
    c1 = _mm512_madd52lo_epu64(c1, a->l[1], bi);
    c2 = _mm512_madd52lo_epu64(c2, a->l[2], bi);
    c3 = _mm512_madd52lo_epu64(c3, a->l[3], bi);
    c4 = _mm512_madd52lo_epu64(c4, a->l[4], bi);
    c1 = _mm512_madd52hi_epu64(c1, a->l[0], bi);
    c2 = _mm512_madd52hi_epu64(c2, a->l[1], bi);
    c3 = _mm512_madd52hi_epu64(c3, a->l[2], bi);
    c4 = _mm512_madd52hi_epu64(c4, a->l[3], bi);
    c5 = _mm512_madd52hi_epu64(c5, a->l[4], bi);
    __m512i m = _mm512_and_si512(c0, M);
    c0 = _mm512_madd52lo_epu64(c0, m, p0);
    c1 = _mm512_madd52lo_epu64(c1, m, p1);
    c2 = _mm512_madd52lo_epu64(c2, m, p2);
    c3 = _mm512_madd52lo_epu64(c3, m, p3);
    c4 = _mm512_madd52lo_epu64(c4, m, p4);
    c1 = _mm512_madd52hi_epu64(c1, m, p0);
    c2 = _mm512_madd52hi_epu64(c2, m, p1);
    c3 = _mm512_madd52hi_epu64(c3, m, p2);
    c4 = _mm512_madd52hi_epu64(c4, m, p3);
    c5 = _mm512_madd52hi_epu64(c5, m, p4);
    /* c0 ≡ 0 mod 2^52 now: shift the accumulator down one limb, keeping c0's carry */
    c0 = _mm512_add_epi64(c1, _mm512_srli_epi64(c0, 52));
    c1 = c2;
    c2 = c3;
    c3 = c4;
    c4 = c5;
    c5 = z;
  }
  r->l[0] = c0;
  r->l[1] = c1;
  r->l[2] = c2;
  r->l[3] = c3;
  r->l[4] = c4;
  f8_norm(r);
}

/* Montgomery square: the 10 cross products a_i a_j (i < j) once, doubled with a shift, plus the
 * 5 squares (30 IFMA instead of 50), then the same 5 reduction rounds as f8_mul on the 10
 * columns. Column bounds: ≤ 4 cross halves (< 2^52 each) doubled, + 2 square halves: < 2^56;
 * the reduction adds ≤ 10 halves and the carries: < 2^57. Same output bound as f8_mul. */
static inline FG_TARGET void f8_sqr(f8 *r, const f8 *a) {
  const __m512i M = vset(M52);
  const __m512i z = _mm512_setzero_si512();
  __m512i t[10];
  for (int k = 0; k < 10; k++) t[k] = z;
  for (int i = 0; i < 5; i++)
    for (int j = i + 1; j < 5; j++) {
      t[i + j] = _mm512_madd52lo_epu64(t[i + j], a->l[i], a->l[j]);
      t[i + j + 1] = _mm512_madd52hi_epu64(t[i + j + 1], a->l[i], a->l[j]);
    }
  for (int k = 1; k < 9; k++) t[k] = _mm512_add_epi64(t[k], t[k]);
  for (int i = 0; i < 5; i++) {
    t[2 * i] = _mm512_madd52lo_epu64(t[2 * i], a->l[i], a->l[i]);
    t[2 * i + 1] = _mm512_madd52hi_epu64(t[2 * i + 1], a->l[i], a->l[i]);
  }
  for (int i = 0; i < 5; i++) {
    __m512i m = _mm512_and_si512(t[i], M);
    for (int j = 0; j < 5; j++) {
      __m512i pj = vset(P52[j]);
      t[i + j] = _mm512_madd52lo_epu64(t[i + j], m, pj);
      t[i + j + 1] = _mm512_madd52hi_epu64(t[i + j + 1], m, pj);
    }
    t[i + 1] = _mm512_add_epi64(t[i + 1], _mm512_srli_epi64(t[i], 52));
  }
  for (int j = 0; j < 5; j++) r->l[j] = t[5 + j];
  f8_norm(r);
}

INL void f8_blend(f8 *r, const f8 *a, __mmask8 m) { /* r = m ? a : r, per lane */
  for (int j = 0; j < 5; j++) r->l[j] = _mm512_mask_blend_epi64(m, r->l[j], a->l[j]);
}

static FG_TARGET void f8_pow(f8 *r, const f8 *a, const u64 e[4]) {
  f8 t[16];
  f8_const(&t[0], ONE52);
  t[1] = *a;
  for (int i = 2; i < 16; i++) f8_mul(&t[i], &t[i - 1], a);
  f8 acc;
  f8_const(&acc, ONE52);
  for (int i = 63; i >= 0; i--) {
    unsigned d = (unsigned)(e[i / 16] >> (4 * (i % 16))) & 15;
    if (i != 63)
      for (int j = 0; j < 4; j++) f8_sqr(&acc, &acc);
    f8_mul(&acc, &acc, &t[d]);
  }
  *r = acc;
}

/* Lanes → canonical 64-bit limbs (value ≤ p on input from a product by 1, or < 2^257). */
static FG_TARGET void f8_store_plain(u64 out[8][4], const f8 *a) {
  u64 l[5][8];
  for (int j = 0; j < 5; j++) _mm512_storeu_si512((void *)l[j], a->l[j]);
  for (int k = 0; k < 8; k++) {
    u64 v0 = l[0][k] | (l[1][k] << 52);
    u64 v1 = (l[1][k] >> 12) | (l[2][k] << 40);
    u64 v2 = (l[2][k] >> 24) | (l[3][k] << 28);
    u64 v3 = (l[3][k] >> 36) | (l[4][k] << 16);
    out[k][0] = v0;
    out[k][1] = v1;
    out[k][2] = v2;
    out[k][3] = v3;
  }
}

/* a ≥ p? (public comparison of canonical-width limbs; used on outputs ≤ p only) */
static int ge_p(const u64 v[4]) {
  for (int i = 3; i >= 0; i--)
    if (v[i] != P64[i]) return v[i] > P64[i];
  return 1;
}

static void be_to_u64(u64 v[4], const uint8_t *b) {
  for (int i = 0; i < 4; i++) {
    u64 w = 0;
    for (int j = 0; j < 8; j++) w = (w << 8) | b[8 * (3 - i) + j];
    v[i] = w;
  }
}

static void u64_to_be(uint8_t *b, const u64 v[4]) {
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 8; j++) b[8 * (3 - i) + j] = (uint8_t)(v[i] >> (56 - 8 * j));
}

/* Loads up to 8 big-endian x's (lanes ≥ m get Gx); sets ok[k] = 0 for x ≥ p (lane gets Gx). */
static FG_TARGET void load_xs(f8 *r, const uint8_t *xs, size_t m, int ok[8]) {
  u64 l[5][8];
  for (size_t k = 0; k < 8; k++) {
    u64 v[4];
    const uint8_t *src = k < m ? xs + 32 * k : GX_BE;
    be_to_u64(v, src);
    ok[k] = 1;
    if (ge_p(v)) {
      ok[k] = 0;
      be_to_u64(v, GX_BE);
    }
    l[0][k] = v[0] & M52;
    l[1][k] = ((v[0] >> 52) | (v[1] << 12)) & M52;
    l[2][k] = ((v[1] >> 40) | (v[2] << 24)) & M52;
    l[3][k] = ((v[2] >> 28) | (v[3] << 36)) & M52;
    l[4][k] = v[3] >> 16;
  }
  for (int j = 0; j < 5; j++) r->l[j] = _mm512_loadu_si512((const void *)l[j]);
}

/* x (plain, loaded) → Montgomery x, y with y² = x³ − 3x + b when that is a square; ok[k]
 * cleared for lanes where it is not. */
static FG_TARGET void lift8(f8 *xm, f8 *ym, const f8 *x, int ok[8]) {
  f8 rr, t, rhs, y2, d, one;
  f8_const(&rr, RR52);
  f8_mul(xm, x, &rr);
  f8_sqr(&t, xm);
  f8_mul(&rhs, &t, xm);
  f8_sub(&rhs, &rhs, xm);
  f8_sub(&rhs, &rhs, xm);
  f8_sub(&rhs, &rhs, xm);
  f8_const(&t, BM52);
  f8_add(&rhs, &rhs, &t);
  f8_pow(ym, &rhs, E_SQRT);
  f8_sqr(&y2, ym);
  f8_sub(&d, &y2, &rhs);
  /* d ≡ 0 (mod p) iff out of Montgomery form it is 0 or p */
  f8_const(&one, (const u64[5]){1, 0, 0, 0, 0});
  f8_mul(&d, &d, &one);
  u64 v[8][4];
  f8_store_plain(v, &d);
  for (int k = 0; k < 8; k++) {
    int zero = (v[k][0] | v[k][1] | v[k][2] | v[k][3]) == 0;
    int isp = v[k][0] == P64[0] && v[k][1] == P64[1] && v[k][2] == P64[2] && v[k][3] == P64[3];
    if (!(zero || isp)) ok[k] = 0;
  }
}

INL void j8_dbl(j8 *r, const j8 *p) {
  f8 delta, gamma, beta, alpha, t1, t2;
  f8_sqr(&delta, &p->z);
  f8_sqr(&gamma, &p->y);
  f8_mul(&beta, &p->x, &gamma);
  f8_sub(&t1, &p->x, &delta);
  f8_add(&t2, &p->x, &delta);
  f8_mul(&alpha, &t1, &t2);
  f8_add(&t1, &alpha, &alpha);
  f8_add(&alpha, &alpha, &t1);
  f8_add(&t1, &p->y, &p->z);
  f8_sqr(&t1, &t1);
  f8_sub(&t1, &t1, &gamma);
  f8_sub(&r->z, &t1, &delta);
  f8_add(&t2, &beta, &beta);
  f8_add(&t2, &t2, &t2);
  f8_sqr(&t1, &alpha);
  f8_sub(&t1, &t1, &t2);
  f8_sub(&r->x, &t1, &t2);
  f8_sub(&t2, &t2, &r->x);
  f8_sqr(&gamma, &gamma);
  f8_add(&gamma, &gamma, &gamma);
  f8_add(&gamma, &gamma, &gamma);
  f8_add(&gamma, &gamma, &gamma);
  f8_mul(&t2, &alpha, &t2);
  f8_sub(&r->y, &t2, &gamma);
}

INL void j8_add(j8 *r, const j8 *p, const j8 *q) {
  f8 z1z1, z2z2, u1, u2, s1, s2, h, i, j, rr, v, t;
  f8_sqr(&z1z1, &p->z);
  f8_sqr(&z2z2, &q->z);
  f8_mul(&u1, &p->x, &z2z2);
  f8_mul(&u2, &q->x, &z1z1);
  f8_mul(&s1, &p->y, &q->z);
  f8_mul(&s1, &s1, &z2z2);
  f8_mul(&s2, &q->y, &p->z);
  f8_mul(&s2, &s2, &z1z1);
  f8_sub(&h, &u2, &u1);
  f8_add(&i, &h, &h);
  f8_sqr(&i, &i);
  f8_mul(&j, &h, &i);
  f8_sub(&rr, &s2, &s1);
  f8_add(&rr, &rr, &rr);
  f8_mul(&v, &u1, &i);
  f8_add(&t, &p->z, &q->z);
  f8_sqr(&t, &t);
  f8_sub(&t, &t, &z1z1);
  f8_sub(&t, &t, &z2z2);
  f8_mul(&r->z, &t, &h);
  f8_sqr(&t, &rr);
  f8_sub(&t, &t, &j);
  f8_sub(&t, &t, &v);
  f8_sub(&r->x, &t, &v);
  f8_sub(&t, &v, &r->x);
  f8_mul(&t, &rr, &t);
  f8_mul(&s1, &s1, &j);
  f8_add(&s1, &s1, &s1);
  f8_sub(&r->y, &t, &s1);
}

INL void j8_madd(j8 *r, const j8 *p, const f8 *qx, const f8 *qy) {
  f8 z1z1, u2, s2, h, hh, i, j, rr, v, t;
  f8_sqr(&z1z1, &p->z);
  f8_mul(&u2, qx, &z1z1);
  f8_mul(&s2, qy, &p->z);
  f8_mul(&s2, &s2, &z1z1);
  f8_sub(&h, &u2, &p->x);
  f8_sqr(&hh, &h);
  f8_add(&i, &hh, &hh);
  f8_add(&i, &i, &i);
  f8_mul(&j, &h, &i);
  f8_sub(&rr, &s2, &p->y);
  f8_add(&rr, &rr, &rr);
  f8_mul(&v, &p->x, &i);
  f8_add(&t, &p->z, &h);
  f8_sqr(&t, &t);
  f8_sub(&t, &t, &z1z1);
  f8_sub(&r->z, &t, &hh);
  f8_sqr(&t, &rr);
  f8_sub(&t, &t, &j);
  f8_sub(&t, &t, &v);
  f8_sub(&r->x, &t, &v);
  f8_sub(&t, &v, &r->x);
  f8_mul(&t, &rr, &t);
  f8_mul(&s2, &p->y, &j);
  f8_add(&s2, &s2, &s2);
  f8_sub(&r->y, &t, &s2);
}

INL void j8_blend(j8 *r, const j8 *a, __mmask8 m) {
  f8_blend(&r->x, &a->x, m);
  f8_blend(&r->y, &a->y, m);
  f8_blend(&r->z, &a->z, m);
}

/* 0xff if a == b else 0, without branches. */
static inline __mmask8 eq8(unsigned a, unsigned b) {
  u64 x = (u64)(a ^ b);
  return (__mmask8)(0 - (unsigned)(((x | ((u64)0 - x)) >> 63) ^ 1));
}

static FG_TARGET void scalar_mul8(j8 *r, const u64 k[4], const f8 *x, const f8 *y) {
  j8 t[16], acc, sel, sum;
  memset(&t[0], 0, sizeof t[0]);
  t[1].x = *x;
  t[1].y = *y;
  f8_const(&t[1].z, ONE52);
  j8_dbl(&t[2], &t[1]);
  for (int i = 3; i < 16; i++) j8_madd(&t[i], &t[i - 1], x, y);
  __mmask8 acc_inf = 0;
  for (int w = 63; w >= 0; w--) {
    unsigned d = (unsigned)(k[w / 16] >> (4 * (w % 16))) & 15;
    memset(&sel, 0, sizeof sel);
    for (unsigned i = 1; i < 16; i++) j8_blend(&sel, &t[i], eq8(d, i));
    __mmask8 dz = eq8(d, 0);
    if (w == 63) {
      acc = sel;
      acc_inf = dz;
      continue;
    }
    for (int j = 0; j < 4; j++) j8_dbl(&acc, &acc);
    j8_add(&sum, &acc, &sel);
    j8_blend(&acc, &sum, (__mmask8)(~dz & ~acc_inf));
    j8_blend(&acc, &sel, acc_inf);
    acc_inf &= dz;
  }
  *r = acc;
  memset(t, 0, sizeof t);
  memset(&sel, 0, sizeof sel);
  __asm__ __volatile__("" : : "r"(t), "r"(&sel) : "memory");
}

FG_TARGET long fg_sm2_ifma_mul_x(const uint64_t k[4], const uint8_t *xs, uint8_t *out, size_t n) {
  for (size_t g = 0; g < n; g += 8) {
    size_t m = n - g < 8 ? n - g : 8;
    int ok[8];
    f8 x, xm, ym;
    load_xs(&x, xs + 32 * g, m, ok);
    lift8(&xm, &ym, &x, ok);
    for (size_t k2 = 0; k2 < m; k2++)
      if (!ok[k2]) return (long)(g + k2);
    j8 res;
    scalar_mul8(&res, k, &xm, &ym);
    f8 zi, zi2, xa, one;
    f8_pow(&zi, &res.z, E_INV);
    f8_sqr(&zi2, &zi);
    f8_mul(&xa, &res.x, &zi2);
    f8_const(&one, (const u64[5]){1, 0, 0, 0, 0});
    f8_mul(&xa, &xa, &one);
    u64 v[8][4];
    f8_store_plain(v, &xa);
    for (size_t k2 = 0; k2 < m; k2++) {
      if (ge_p(v[k2])) memset(v[k2], 0, sizeof v[k2]); /* the value is ≤ p: p means 0 */
      u64_to_be(out + 32 * (g + k2), v[k2]);
    }
  }
  return -1;
}

FG_TARGET void fg_sm2_ifma_on_curve(const uint8_t *xs, uint8_t *flags, size_t n) {
  for (size_t g = 0; g < n; g += 8) {
    size_t m = n - g < 8 ? n - g : 8;
    int ok[8];
    f8 x, xm, ym;
    load_xs(&x, xs + 32 * g, m, ok);
    lift8(&xm, &ym, &x, ok);
    for (size_t k2 = 0; k2 < m; k2++) flags[g + k2] = (uint8_t)ok[k2];
  }
}

#endif /* FG_SM2_IFMA_KERNEL */
