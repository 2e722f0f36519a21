/*
 * X25519 (RFC 7748) for one scalar and many points, 8 points at a time with AVX-512 IFMA.
 * Used by ECDH-PSI, where every party multiplies all (hashed) points by one secret scalar.
 *
 * References: RFC 7748 §5 (Montgomery ladder, clamping, u decoding; test vectors §5.2, §6.1);
 * Henry de Valence's notes on the AVX-512 IFMA backend of curve25519-dalek (madd52-based
 * arithmetic mod 2^255 - 19, reduced/unreduced representations, lazy carries); H. Hisil,
 * B. Egrioglu, A. Kocak, IACR ePrint 2020/388 (AVX-512 IFMA Montgomery-ladder arithmetic);
 * P. L. Montgomery, "Speeding the Pollard and elliptic curve methods of factorization", 1987
 * (the ladder; simultaneous inversion). The code is written from scratch for this layout.
 *
 * Layout. One point per 64-bit lane of a __m512i: an element of GF(p), p = 2^255 - 19, for 8
 * points is 5 vectors, limb k of all 8 points in vector k, radix 2^52 ("fe8"). All lanes use
 * the same scalar, so all lanes take the same ladder steps: no shuffles, no per-lane control.
 *
 * Why radix 2^52 rather than 2^51: VPMADD52LUQ / VPMADD52HUQ (_mm512_madd52lo/hi_epu64)
 * multiply the low 52 bits of two lanes and add the low resp. high 52 bits of the 104-bit
 * product to an accumulator. In radix 2^52 the high half of a_i * b_j is exactly column
 * i + j + 1, so a product is 50 IFMA instructions into 10 column accumulators with no
 * doubling fix-ups. Product columns 5..9 are folded with 2^260 = 608 (mod p), again with IFMA.
 * On this CPU (Sapphire Rapids) 512-bit IFMA and plain vector ALU instructions both issue on
 * ports 0 and 5 (measured: 2 per cycle each), so the cost model is "count vector
 * instructions"; this layout measured ~7 % faster than a radix-2^51 version (which needs
 * lo + 2 hi per column and 19 v = v + 2v + 16v for the fold).
 *
 * Representations and bounds (each bound is derived in the comment of the function that
 * relies on it):
 *  - carried: limbs 0..3 < 2^52 (possibly "lazy", see fe_carry), limb 4 < 2^47 + 2^12 (value
 *    < 2^255 + 2^221). Every field element that is an IFMA input is carried, because IFMA
 *    silently ignores bits >= 52 of its inputs.
 *  - wide: uncarried product columns, every limb < 12 * 2^52 < 2^56, optionally plus the bias
 *    2^10 p (limbs < 2^62), which keeps later subtractions limb-wise non-negative.
 *  Sums and differences of two carried elements can exceed 2^52, so they are always carried.
 *
 * Constant time. All 8 lanes run the ladder with the SAME scalar, so the ladder's swap is the
 * same in every lane and is done with a mask blend whose mask is computed from the scalar
 * bits without branches; no memory index depends on the scalar or on the points. Nothing
 * branches on data; zero z (low-order input points) is handled with masks as well.
 *
 * Inversion: z^(p-2) (254 squarings, 11 multiplications, 8 lanes at once) is a long
 * dependency chain worth ~14 % of a ladder, so up to GROUP vectors of ladder outputs share
 * one inversion via Montgomery's simultaneous-inversion trick (3 multiplications per vector):
 * measured ~14 % faster per point on large batches than one inversion per vector.
 */
#include "x25519_ifma.h"

#ifdef FG_X25519_IFMA_KERNEL

#include <immintrin.h>
#include <string.h>

/* GCC does not schedule instructions before register allocation on x86 by default. Here the
 * pressure-aware pre-RA scheduler interleaves the independent IFMA chains of the ladder step
 * much better (measured ~8 % faster); set per file because binding.gyp is shared. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("schedule-insns", "sched-pressure")
#endif

#define FG_TARGET __attribute__((target("avx512f,avx512vl,avx512ifma")))
#define FG_INLINE static inline __attribute__((always_inline)) FG_TARGET

#define MASK52 ((uint64_t)0xfffffffffffffULL)
#define MASK47 ((uint64_t)0x7fffffffffffULL)

/* Vectors of 8 points per ladder batch and vectors sharing one inversion. */
#define LANES 8
#define GROUP 16

typedef struct {
  __m512i l[5];
} fe8;

FG_INLINE __m512i mlo(__m512i acc, __m512i a, __m512i b) { return _mm512_madd52lo_epu64(acc, a, b); }
FG_INLINE __m512i mhi(__m512i acc, __m512i a, __m512i b) { return _mm512_madd52hi_epu64(acc, a, b); }
FG_INLINE __m512i vadd(__m512i a, __m512i b) { return _mm512_add_epi64(a, b); }
FG_INLINE __m512i vsub(__m512i a, __m512i b) { return _mm512_sub_epi64(a, b); }
FG_INLINE __m512i vset(uint64_t x) { return _mm512_set1_epi64((long long)x); }

/* 2^10 p limb-wise: 2^10 (2^52 - 19), 2^10 (2^52 - 1) (x3), 2^10 (2^47 - 1). It is >= 2^56
 * in every limb, i.e. above every limb of a carried or wide element. */
#define BIAS0 ((1ULL << 62) - 19 * 1024)
#define BIAS1 ((1ULL << 62) - 1024)
#define BIAS4 ((1ULL << 57) - 1024)

/* Carry. Input limbs < 2^63. First the bits >= 2^255 (limb 4 from bit 47 on) re-enter limb 0
 * times 19, then one sequential pass 0 -> 4 (a parallel pass would leave limbs up to
 * 2^52 - 1 + carry, too big for IFMA). The carry into limb 4 is < 2^63 / 2^52, so limb 4 ends
 * < 2^47 + 2^12.
 *
 * "lazy" (the default): limbs 0..3 keep their bits >= 52 after those have been carried into
 * the next limb, i.e. the element is sum_k (l_k mod 2^52) 2^(52 k). Such an element is only
 * ever used as an IFMA input (or blended), and IFMA reads only bits 0..51 of its inputs, so
 * masking would be wasted work (4 of the 15 instructions). fe_carry_clean masks, for the
 * few places that look at the limbs themselves. Either way the element is "carried". */
FG_INLINE void fe_carry_impl(fe8 *r, const fe8 *z, int clean) {
  const __m512i M52 = vset(MASK52);
  __m512i t4 = z->l[4];
  __m512i c = _mm512_srli_epi64(t4, 47); /* < 2^17: a valid IFMA input */
  t4 = _mm512_and_si512(t4, vset(MASK47));
  __m512i t0 = mlo(z->l[0], c, vset(19)); /* < 2^63 + 2^22, no overflow */
  __m512i t1 = vadd(z->l[1], _mm512_srli_epi64(t0, 52));
  __m512i t2 = vadd(z->l[2], _mm512_srli_epi64(t1, 52));
  __m512i t3 = vadd(z->l[3], _mm512_srli_epi64(t2, 52));
  r->l[4] = vadd(t4, _mm512_srli_epi64(t3, 52));
  if (clean) {
    t0 = _mm512_and_si512(t0, M52);
    t1 = _mm512_and_si512(t1, M52);
    t2 = _mm512_and_si512(t2, M52);
    t3 = _mm512_and_si512(t3, M52);
  }
  r->l[0] = t0;
  r->l[1] = t1;
  r->l[2] = t2;
  r->l[3] = t3;
}

FG_INLINE void fe_carry(fe8 *r, const fe8 *z) { fe_carry_impl(r, z, 0); }
FG_INLINE void fe_carry_clean(fe8 *r, const fe8 *z) { fe_carry_impl(r, z, 1); }

/* Column accumulators 0..4 start at 0 or at the bias 2^10 p (= 0 mod p, for free: an
 * accumulator has to be initialised anyway); columns 5..9 at 0. */
FG_INLINE void cols_init(__m512i z[10], int bias) {
  const __m512i Z = _mm512_setzero_si512();
  for (int k = 0; k < 10; k++) z[k] = Z;
  if (bias) {
    z[0] = vset(BIAS0);
    z[1] = z[2] = z[3] = vset(BIAS1);
    z[4] = vset(BIAS4);
  }
}

/* Fold the product columns 5..9 onto 0..4: 2^260 = 2^5 * 19 = 608 (mod p). Column 5 + k
 * (k < 4; < 9 * 2^52) is split by IFMA: 608 * (its low 52 bits) gives lo into column k and
 * hi into column k + 1, and 608 * (its bits 52..55) goes into column k + 1. Column 9 is only
 * the high half of a_4 b_4 < (2^47 + 2^12)^2 < 2^94.0001, so it is < 2^42.0001 and 608 times
 * it is < 2^51.3: it lands entirely in column 4. Every output column is the sum of at most
 * 5 lo + 4 hi product halves and 3 fold terms, each < 2^52: < 12 * 2^52 < 2^56 (plus the
 * bias, if any: < 2^62 + 2^56). */
FG_INLINE void fold608(fe8 *r, __m512i z[10]) {
  const __m512i K608 = vset(608);
  for (int k = 0; k < 4; k++) {
    __m512i v = z[k + 5];
    z[k] = mlo(z[k], v, K608);
    z[k + 1] = mhi(z[k + 1], v, K608);
    z[k + 1] = mlo(z[k + 1], _mm512_srli_epi64(v, 52), K608);
  }
  z[4] = mlo(z[4], z[9], K608);
  for (int k = 0; k < 5; k++) r->l[k] = z[k];
}

/* r = a * b (+ bias), wide, from carried a, b: 25 lo + 25 hi products. */
FG_INLINE void fe_mul_wide(fe8 *r, const fe8 *a, const fe8 *b, int bias) {
  __m512i z[10];
  cols_init(z, bias);
  for (int i = 0; i < 5; i++) {
    for (int j = 0; j < 5; j++) {
      z[i + j] = mlo(z[i + j], a->l[i], b->l[j]);
      z[i + j + 1] = mhi(z[i + j + 1], a->l[i], b->l[j]);
    }
  }
  fold608(r, z);
}

/* r = a^2 (+ bias), wide, from carried a. The 10 cross products a_i a_j (i < j) are summed
 * once and the columns doubled before the 5 squares are added: 15 lo + 15 hi products instead
 * of 25 + 25. The bias is added after the doubling. Same bounds as fe_mul_wide. */
FG_INLINE void fe_sq_wide(fe8 *r, const fe8 *a, int bias) {
  __m512i z[10];
  cols_init(z, 0);
  for (int i = 0; i < 5; i++) {
    for (int j = i + 1; j < 5; j++) {
      z[i + j] = mlo(z[i + j], a->l[i], a->l[j]);
      z[i + j + 1] = mhi(z[i + j + 1], a->l[i], a->l[j]);
    }
  }
  for (int k = 1; k < 9; k++) z[k] = vadd(z[k], z[k]);
  if (bias) {
    z[0] = vset(BIAS0);
    z[1] = vadd(z[1], vset(BIAS1));
    z[2] = vadd(z[2], vset(BIAS1));
    z[3] = vadd(z[3], vset(BIAS1));
    z[4] = vadd(z[4], vset(BIAS4));
  }
  for (int i = 0; i < 5; i++) {
    z[2 * i] = mlo(z[2 * i], a->l[i], a->l[i]);
    z[2 * i + 1] = mhi(z[2 * i + 1], a->l[i], a->l[i]);
  }
  fold608(r, z);
}

FG_INLINE void fe_mul(fe8 *r, const fe8 *a, const fe8 *b) {
  fe8 z;
  fe_mul_wide(&z, a, b, 0);
  fe_carry(r, &z);
}

FG_INLINE void fe_sq(fe8 *r, const fe8 *a) {
  fe8 z;
  fe_sq_wide(&z, a, 0);
  fe_carry(r, &z);
}

/* r = a + b, carried. Inputs wide (biased or not): limbs of the sum < 2^62 + 2^57 < 2^63. */
FG_INLINE void fe_add(fe8 *r, const fe8 *a, const fe8 *b) {
  fe8 z;
  for (int k = 0; k < 5; k++) z.l[k] = vadd(a->l[k], b->l[k]);
  fe_carry(r, &z);
}

/* r = a - b, carried, for a wide and biased (contains + 2^10 p) and b wide and unbiased (exact
 * limbs < 2^56; not a lazily carried element): every limb of a exceeds the matching limb of
 * b, so nothing goes negative. */
FG_INLINE void fe_sub_biased(fe8 *r, const fe8 *a, const fe8 *b) {
  fe8 z;
  for (int k = 0; k < 5; k++) z.l[k] = vsub(a->l[k], b->l[k]);
  fe_carry(r, &z);
}

/* r = aa + a24 * e, carried, with a24 = (486662 - 2) / 4 = 121665 (RFC 7748 §5); aa is wide
 * (exact limbs < 2^62 + 2^56), e carried: lo(e_k a24) into column k, hi into column k + 1;
 * hi(e_4 a24) < 2^(47.001 + 17 - 52) is column 5 and re-enters column 0 times 608. */
FG_INLINE void fe_add_a24(fe8 *r, const fe8 *aa, const fe8 *e) {
  const __m512i A24 = vset(121665);
  fe8 z;
  for (int k = 0; k < 5; k++) z.l[k] = mlo(aa->l[k], e->l[k], A24);
  for (int k = 0; k < 4; k++) z.l[k + 1] = mhi(z.l[k + 1], e->l[k], A24);
  z.l[0] = mlo(z.l[0], mhi(_mm512_setzero_si512(), e->l[4], A24), vset(608));
  fe_carry(r, &z);
}

/* r = m ? b : a per lane (m is 0x00 or 0xff here: the same in all lanes). */
FG_INLINE void fe_select(fe8 *r, __mmask8 m, const fe8 *a, const fe8 *b) {
  for (int k = 0; k < 5; k++) r->l[k] = _mm512_mask_blend_epi64(m, a->l[k], b->l[k]);
}

FG_TARGET static void fe_sqn(fe8 *r, const fe8 *a, int n) {
  fe8 t = *a;
  for (int i = 0; i < n; i++) fe_sq(&t, &t);
  *r = t;
}

FG_TARGET __attribute__((noinline)) static void fe_mul_out(fe8 *r, const fe8 *a, const fe8 *b) {
  fe_mul(r, a, b);
}

/* r = z^(p - 2) = z^(2^255 - 21) = 1 / z for z != 0 (Fermat), with the usual chain
 * 2^255 - 21 = (2^250 - 1) 2^5 + 11: 254 squarings and 11 multiplications. */
FG_TARGET static void fe_invert(fe8 *r, const fe8 *z) {
  fe8 z2, z9, z11, z2_5_0, z2_10_0, z2_20_0, z2_50_0, z2_100_0, t;
  fe_sq(&z2, z);                       /* 2 */
  fe_sqn(&t, &z2, 2);                  /* 8 */
  fe_mul_out(&z9, &t, z);              /* 9 */
  fe_mul_out(&z11, &z9, &z2);          /* 11 */
  fe_sq(&t, &z11);                     /* 22 */
  fe_mul_out(&z2_5_0, &t, &z9);        /* 2^5 - 1 */
  fe_sqn(&t, &z2_5_0, 5);
  fe_mul_out(&z2_10_0, &t, &z2_5_0);   /* 2^10 - 1 */
  fe_sqn(&t, &z2_10_0, 10);
  fe_mul_out(&z2_20_0, &t, &z2_10_0);  /* 2^20 - 1 */
  fe_sqn(&t, &z2_20_0, 20);
  fe_mul_out(&t, &t, &z2_20_0);        /* 2^40 - 1 */
  fe_sqn(&t, &t, 10);
  fe_mul_out(&z2_50_0, &t, &z2_10_0);  /* 2^50 - 1 */
  fe_sqn(&t, &z2_50_0, 50);
  fe_mul_out(&z2_100_0, &t, &z2_50_0); /* 2^100 - 1 */
  fe_sqn(&t, &z2_100_0, 100);
  fe_mul_out(&t, &t, &z2_100_0);       /* 2^200 - 1 */
  fe_sqn(&t, &t, 50);
  fe_mul_out(&t, &t, &z2_50_0);        /* 2^250 - 1 */
  fe_sqn(&t, &t, 5);
  fe_mul_out(r, &t, &z11);             /* 2^255 - 21 */
}

/* Montgomery ladder of RFC 7748 §5 on 8 lanes with one clamped scalar e; x1 carried. Returns
 * the projective x-coordinate (x : z) of e * P, carried.
 *
 * Same arithmetic as the RFC's pseudocode, with two rearrangements:
 *  - The state is P = (x_2 : z_2), Q = (x_3 : z_3) *after* the RFC's step, i.e. before its
 *    next conditional swap, and the swap is never performed on the state: the differential
 *    addition DA + CB, DA - CB only changes sign under swapping P and Q (and is then squared),
 *    so only the input of the doubling has to be selected: (A, B) or (C, D) by the RFC's
 *    `swap` bit. 10 blends per step instead of 20.
 *  - x_2, z_2, x_3, z_3, DA, CB, AA, BB stay wide (uncarried) where they only feed a sum or
 *    a difference, which carries anyway; the x's, DA and AA carry the bias 2^10 p so that
 *    B = x_2 - z_2, D = x_3 - z_3, DA - CB and E = AA - BB need no extra addition. */
FG_TARGET static void ladder8(fe8 *xr, fe8 *zr, const fe8 *x1, const uint8_t e[32]) {
  const __m512i Z = _mm512_setzero_si512();
  fe8 xP, zP, xQ, zQ; /* P = (1 : 0), the neutral element; Q = (u : 1); x's biased */
  xP.l[0] = vset(BIAS0 + 1);
  xQ.l[0] = vadd(x1->l[0], vset(BIAS0));
  for (int k = 1; k < 5; k++) {
    const __m512i b = vset(k == 4 ? BIAS4 : BIAS1);
    xP.l[k] = b;
    xQ.l[k] = vadd(x1->l[k], b);
  }
  for (int k = 0; k < 5; k++) zP.l[k] = zQ.l[k] = Z;
  zQ.l[0] = vset(1);

  unsigned prev = 0;
  for (int t = 254; t >= 0; t--) {
    unsigned kt = (e[t >> 3] >> (t & 7)) & 1u; /* t is public: the index is not secret */
    __mmask8 m = (__mmask8)(0u - (kt ^ prev)); /* RFC's swap: 0x00 or 0xff, no branch */
    prev = kt;

    fe8 A, B, C, D, As, Bs, AAw, BBw, AA, BB, E, DA, CB, s, d, t24;
    fe_add(&A, &xP, &zP);
    fe_sub_biased(&B, &xP, &zP);
    fe_add(&C, &xQ, &zQ);
    fe_sub_biased(&D, &xQ, &zQ);
    /* Differential addition (symmetric in P, Q). */
    fe_mul_wide(&DA, &D, &A, 1);
    fe_mul_wide(&CB, &C, &B, 0);
    fe_add(&s, &DA, &CB);
    fe_sub_biased(&d, &DA, &CB);
    fe_sq_wide(&xQ, &s, 1);
    fe_sq(&d, &d);
    fe_mul_wide(&zQ, x1, &d, 0);
    /* Doubling of the point selected by the swap bit. */
    fe_select(&As, m, &A, &C);
    fe_select(&Bs, m, &B, &D);
    fe_sq_wide(&AAw, &As, 1);
    fe_sq_wide(&BBw, &Bs, 0);
    fe_carry(&AA, &AAw);
    fe_carry(&BB, &BBw);
    fe_sub_biased(&E, &AAw, &BBw);
    fe_mul_wide(&xP, &AA, &BB, 1);
    fe_add_a24(&t24, &AAw, &E);
    fe_mul_wide(&zP, &E, &t24, 0);
  }
  /* The RFC's final swap: the result is Q if the last swap bit was set. */
  __mmask8 m = (__mmask8)(0u - prev);
  fe8 x, z;
  fe_select(&x, m, &xP, &xQ);
  fe_select(&z, m, &zP, &zQ);
  fe_carry_clean(xr, &x);
  fe_carry_clean(zr, &z);
}

/* Lanes whose carried z is 0 mod p, i.e. equal to 0 or to p (a carried element is < 2p and
 * its limbs are the unique base-2^52 digits of its value). */
FG_INLINE __mmask8 fe_is_zero(const fe8 *z) {
  const __m512i Z = _mm512_setzero_si512();
  __m512i o = _mm512_or_si512(_mm512_or_si512(z->l[0], z->l[1]),
                              _mm512_or_si512(_mm512_or_si512(z->l[2], z->l[3]), z->l[4]));
  __m512i q = _mm512_or_si512(
      _mm512_or_si512(_mm512_xor_si512(z->l[0], vset(MASK52 - 18)),
                      _mm512_xor_si512(z->l[1], vset(MASK52))),
      _mm512_or_si512(_mm512_or_si512(_mm512_xor_si512(z->l[2], vset(MASK52)),
                                      _mm512_xor_si512(z->l[3], vset(MASK52))),
                      _mm512_xor_si512(z->l[4], vset(MASK47))));
  return (__mmask8)(_mm512_cmpeq_epi64_mask(o, Z) | _mm512_cmpeq_epi64_mask(q, Z));
}

/* Little-endian 32 bytes -> 5 limbs of 52 bits (the last one 47 bits); bit 255 is dropped
 * (RFC 7748 §5). Values in [p, 2^255) are kept as they are: they are valid representatives
 * mod p. The result is a carried element. */
static void unpack25519(uint64_t l[5], const uint8_t s[32]) {
  uint64_t w[4];
  for (int i = 0; i < 4; i++) {
    uint64_t x = 0;
    for (int b = 7; b >= 0; b--) x = (x << 8) | s[8 * i + b];
    w[i] = x;
  }
  l[0] = w[0] & MASK52;
  l[1] = ((w[0] >> 52) | (w[1] << 12)) & MASK52;
  l[2] = ((w[1] >> 40) | (w[2] << 24)) & MASK52;
  l[3] = ((w[2] >> 28) | (w[3] << 36)) & MASK52;
  l[4] = (w[3] >> 16) & MASK47;
}

/* Carried limbs -> canonical little-endian encoding, branch-free. A carried element is
 * < 2^255 + 2^221; one fold of bit 255 and one conditional subtraction of p make it
 * canonical. */
static void pack25519(uint8_t s[32], const uint64_t l[5]) {
  __extension__ typedef unsigned __int128 u128;
  uint64_t w[4] = {
      l[0] | (l[1] << 52),
      (l[1] >> 12) | (l[2] << 40),
      (l[2] >> 24) | (l[3] << 28),
      (l[3] >> 36) | (l[4] << 16), /* l[4] < 2^47 + 2^12: no bit is lost */
  };
  /* v = (v mod 2^255) + 19 (v >> 255) < 2^255 (if bit 255 was set, v mod 2^255 < 2^221). */
  uint64_t top = w[3] >> 63;
  w[3] &= 0x7fffffffffffffffULL;
  u128 acc = (u128)w[0] + 19 * top;
  w[0] = (uint64_t)acc;
  for (int i = 1; i < 4; i++) {
    acc = (u128)w[i] + (uint64_t)(acc >> 64);
    w[i] = (uint64_t)acc;
  }
  /* v >= p iff v + 19 >= 2^255, and then v - p = (v + 19) mod 2^255. */
  uint64_t t[4];
  acc = (u128)w[0] + 19;
  t[0] = (uint64_t)acc;
  for (int i = 1; i < 4; i++) {
    acc = (u128)w[i] + (uint64_t)(acc >> 64);
    t[i] = (uint64_t)acc;
  }
  uint64_t mq = 0 - (t[3] >> 63);
  t[3] &= 0x7fffffffffffffffULL;
  for (int i = 0; i < 4; i++) {
    uint64_t v = (t[i] & mq) | (w[i] & ~mq);
    for (int b = 0; b < 8; b++) s[8 * i + b] = (uint8_t)(v >> (8 * b));
  }
}

/* Up to GROUP vectors (8 points each; the last one may be partial) with one shared inversion.
 * `cnt` points from `points` to `out`. */
FG_TARGET static void x25519_group(const uint8_t e[32], const uint8_t *points, uint8_t *out,
                                   size_t cnt) {
  const size_t nv = (cnt + LANES - 1) / LANES;
  fe8 xs[GROUP], zs[GROUP], pre[GROUP];
  __mmask8 zero[GROUP];
  uint64_t lim[5][LANES] __attribute__((aligned(64)));

  for (size_t v = 0; v < nv; v++) {
    for (size_t lane = 0; lane < LANES; lane++) {
      size_t i = v * LANES + lane;
      uint64_t l[5] = {0, 0, 0, 0, 0}; /* padding lanes: u = 0, result discarded */
      if (i < cnt) unpack25519(l, points + 32 * i);
      for (int k = 0; k < 5; k++) lim[k][lane] = l[k];
    }
    fe8 x1;
    for (int k = 0; k < 5; k++) x1.l[k] = _mm512_load_si512((const void *)lim[k]);
    ladder8(&xs[v], &zs[v], &x1, e);
    /* z = 0 (low-order input) must neither poison the shared inversion nor give a nonzero
     * output: use 1 instead and zero the result at the end. */
    zero[v] = fe_is_zero(&zs[v]);
    zs[v].l[0] = _mm512_mask_blend_epi64(zero[v], zs[v].l[0], vset(1));
    for (int k = 1; k < 5; k++)
      zs[v].l[k] = _mm512_mask_blend_epi64(zero[v], zs[v].l[k], _mm512_setzero_si512());
  }

  /* Montgomery's trick: pre[v] = z_0 ... z_v, one inversion, then walk back. */
  pre[0] = zs[0];
  for (size_t v = 1; v < nv; v++) fe_mul(&pre[v], &pre[v - 1], &zs[v]);
  fe8 inv;
  fe_invert(&inv, &pre[nv - 1]);
  for (size_t v = nv; v-- > 0;) {
    fe8 zi, r;
    if (v > 0) {
      fe_mul(&zi, &inv, &pre[v - 1]); /* 1 / z_v */
      fe_mul(&inv, &inv, &zs[v]);     /* 1 / (z_0 ... z_{v-1}) */
    } else {
      zi = inv;
    }
    fe8 rw;
    fe_mul_wide(&rw, &xs[v], &zi, 0);
    fe_carry_clean(&r, &rw); /* pack25519 reads the limbs */
    for (int k = 0; k < 5; k++) {
      r.l[k] = _mm512_maskz_mov_epi64((__mmask8)~zero[v], r.l[k]);
      _mm512_store_si512((void *)lim[k], r.l[k]);
    }
    for (size_t lane = 0; lane < LANES; lane++) {
      size_t i = v * LANES + lane;
      if (i >= cnt) break; /* public: depends on the batch size only */
      uint64_t l[5];
      for (int k = 0; k < 5; k++) l[k] = lim[k][lane];
      pack25519(out + 32 * i, l);
    }
  }
}

FG_TARGET void fg_x25519_ifma_batch(const uint8_t scalar[32], const uint8_t *points, uint8_t *out,
                                    size_t n) {
  uint8_t e[32];
  memcpy(e, scalar, 32);
  e[0] &= 248; /* clamp: RFC 7748 §5 decodeScalar25519 */
  e[31] &= 127;
  e[31] |= 64;

  const size_t per_group = (size_t)GROUP * LANES;
  for (size_t base = 0; base < n; base += per_group) {
    size_t cnt = n - base < per_group ? n - base : per_group;
    x25519_group(e, points + 32 * base, out + 32 * base, cnt);
  }

  /* The clamped scalar is secret: wipe it (the barrier keeps the stores). */
  memset(e, 0, sizeof e);
  __asm__ __volatile__("" : : "r"(e) : "memory");
}

#else
typedef int fg_x25519_ifma_unavailable; /* not x86-64: nothing to compile here */
#endif /* FG_X25519_IFMA_KERNEL */
