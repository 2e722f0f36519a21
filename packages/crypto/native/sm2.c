/*
 * SM2 (GM/T 0003.5-2012 curve sm2p256v1) x-only scalar multiplication for ECDH private set
 * intersection: one secret scalar times many x-coordinates, in portable C (64-bit limbs with
 * unsigned __int128 products; GCC and Clang on 64-bit targets).
 *
 *   sm2MulX(scalar: Uint8Array(32), xs: Uint8Array(32 n), out: Uint8Array(32 n)) -> number
 *     out[i] = x(k · P_i), P_i either curve point with x-coordinate xs[i] (x(k·P) = x(k·(−P))),
 *     all big-endian, k = scalar ∈ [1, n−1] (RangeError otherwise). Returns −1 when every
 *     x was a curve x-coordinate, else the index of the first one that was not (x ≥ p or
 *     x³ − 3x + b not a square); `out` is then unspecified. The caller turns that into an
 *     error naming the peer.
 *   sm2XOnCurve(xs: Uint8Array(32 n), flags: Uint8Array(n))
 *     flags[i] = 1 if xs[i] (big-endian) is < p and the x-coordinate of a curve point, else 0
 *     (the membership test of the try-and-increment hash to the curve).
 *   sm2HashToX(dst: Uint8Array, ids: Uint8Array, ends: Int32Array, out: Uint8Array(32 n))
 *     The SM2-PSI try-and-increment hash for n ids given as concatenated UTF-8 with end offsets:
 *     out[i] = the first x = SM3(dst ‖ c (4 bytes BE) ‖ id_i) mod p, c = 0, 1, …, that is a
 *     curve x-coordinate (the definition in ecdh/sm2.ts). Candidates of all ids still pending
 *     are checked as one batch per c.
 *   sm2Info() -> { backend: 'ifma' | 'portable', portable: 'bmi2-adx' | 'c' }
 *
 * Dispatch (per call, so tests can exercise both paths in one process): the 8-lane AVX-512
 * IFMA kernel of sm2_ifma.c when the CPU has AVX-512F/VL + IFMA and FEDGRID_NATIVE_IFMA is not
 * "0"; otherwise the portable code below. Both return identical bytes.
 *
 * Arithmetic. GF(p), p = 2^256 − 2^224 − 2^96 + 2^64 − 1, in Montgomery form (R = 2^256) with
 * four 64-bit limbs: a full 512-bit product (16 multiplications; squaring 10), then a Montgomery
 * reduction specialised to p — since p ≡ −1 (mod 2^64) the quotient digit is the low limb m
 * itself and m·(p + 1)/2^64 = m·(2^192 − 2^160 − 2^32 + 1) is formed by shifts and one
 * subtraction, so the reduction has no multiplication (fe_mont_reduce). Every field element is
 * kept fully reduced (< p) by a masked conditional subtraction, so no branch depends on data.
 * Square roots use p ≡ 3 (mod 4): y = rhs^((p+1)/4) by a fixed addition chain (sm2_curve.h,
 * fe_sqrt_cand: 252 S + 13 M), checked by y² = rhs; inversion is Fermat's z^(p−2) (4-bit fixed
 * windows). Both exponents are public constants.
 *
 * Two builds, chosen at run time (use_bmi2_adx; FEDGRID_NATIVE_BMI2=0 forces the first), giving
 * equal bytes: (1) C — adc/sbb chains via _addcarry_u64/_subborrow_u64 on x86-64 (GCC 12 spills
 * unsigned __int128 sums), portable C elsewhere; (2) where the CPU has BMI2 + ADX (x86-64 ELF),
 * the same curve code (sm2_curve.h is included once per build) over a MULX/ADCX/ADOX
 * Montgomery product and squaring and add/sub, all extended inline assembly (sm2_mont_adx.h), so
 * the curve formulas make no calls.
 *
 * PERFORMANCE (this host: AMD EPYC, 2 vCPUs, BMI2/ADX, no AVX-512; shared and loaded).
 * Instruction counts (callgrind, C driver over the portable batch, 2,000 points): GCC's code for
 * the C field product is 301 instructions (squaring 255, add 57, sub 28); the assembly ones are
 * 159 / 145 (inside the functions, register saves included) and 27 / 21. Per point: scalar
 * multiplication + inversion share 1,049 k → 657.5 k instructions, lift 80.5 k → 40.9 k. `npm run bench --only psi.ecdh` at 2^18, both parties on this
 * machine, old and new addon back to back at load 14–31: SM2-PSI CPU per element per side
 * 213 → 149 µs (x25519 beside it: 73–75 µs in both runs), so ≈ 5,800/s per side expected on a
 * quiet host (measured 4,044 before) — the 10,000/s target needs the IFMA kernel (sm2_ifma.c,
 * ≈ 22,000/s). Third pass (issue 13): the product and squaring inlined (no call and callee-saved
 * pushes per product), signed 5-bit windows and a vectorised table scan: 698.3 k → 616.3 k
 * instructions per point
 * (scalar multiplication + lift + share of the inversion, same driver). docs/BENCHMARKS.md has
 * the tables and the remaining profile. The C build's rates
 * (process.cpuUsage, 4,096 points, load ≈ 10–13): 7,000–9,000 scalar multiplications and
 * 43,000–55,000 hash-to-curve per CPU-second.
 *
 * Points. Jacobian coordinates (X : Y : Z) ↔ (X/Z², Y/Z³); doubling "dbl-2001-b" (a = −3,
 * 3M + 5S), general addition "add-2007-bl" (11M + 5S), mixed addition "madd-2007-bl" for
 * the table (7M + 4S), from the Explicit-Formulas Database (hyperelliptic.org/EFD, short
 * Weierstrass, Jacobian, a = −3).
 *
 * Scalar multiplication: signed (Booth-recoded) 5-bit windows from the top, digits in
 * [−16, 16], table T = {P, 2P, …, 16P} per point; every window does 5 doublings and one
 * addition of ±T[|d|] read by scanning the whole table with masks and negating Y by mask, and
 * the "d = 0" and "accumulator still O" cases are resolved by masked selection, so the
 * sequence of operations and memory addresses is the same for every scalar (52 windows: 11
 * additions fewer than the unsigned 4-bit windows of before). The addition's own exceptional
 * cases: before any window but the last the accumulator is k'·32·P with 0 ≤ k'·32 < n − 16, so
 * it is ±T[d] only when it is O (masked); in the last window k = n − 6 makes it equal to the
 * added point, so that window also forms the doubling and selects it by mask (the reasoning is
 * at scalar_mul in sm2_curve.h). A batch of up to GROUP results shares one inversion
 * (Montgomery's simultaneous-inversion trick, 3M per point). Thread-safe: no mutable globals.
 */
#include "fedgrid.h"
#include "sm2_ifma.h"
#include "sm2_mont_adx.h"
#include "sm3.h"

#include <stdlib.h>
#include <string.h>

typedef uint64_t u64;
typedef unsigned __int128 u128;

#define SM2_LEN 32
#define GROUP 32

typedef struct {
  u64 v[4];
} fe;

typedef struct {
  fe x, y, z;
} jpt;

static const fe P = {{0xffffffffffffffffULL, 0xffffffff00000000ULL, 0xffffffffffffffffULL,
                      0xfffffffeffffffffULL}};
static const u64 N[4] = {0x53bbf40939d54123ULL, 0x7203df6b21c6052bULL, 0xffffffffffffffffULL,
                         0xfffffffeffffffffULL};
/* R² mod p, R mod p (Montgomery 1) and b·R mod p. */
static const fe RR = {{0x0000000200000003ULL, 0x00000002ffffffffULL, 0x0000000100000001ULL,
                       0x0000000400000002ULL}};
static const fe ONE = {{0x0000000000000001ULL, 0x00000000ffffffffULL, 0x0000000000000000ULL,
                        0x0000000100000000ULL}};
static const fe BM = {{0x90d230632bc0dd42ULL, 0x71cf379ae9b537abULL, 0x527981505ea51c3cULL,
                       0x240fe188ba20e2c8ULL}};
/* p − 2, little-endian limbs (the inversion exponent). */
static const u64 E_INV[4] = {0xfffffffffffffffdULL, 0xffffffff00000000ULL, 0xffffffffffffffffULL,
                             0xfffffffeffffffffULL};

#define INLINE static inline __attribute__((always_inline))

/* Add / subtract with carry: x86-64 intrinsics (compiled to adc / sbb chains; GCC's code for
 * the same on unsigned __int128 keeps 128-bit temporaries and spills), portable C elsewhere. */
#if defined(__x86_64__)
#include <x86intrin.h>
INLINE unsigned char fg_addc(unsigned char c, u64 a, u64 b, u64 *r) {
  unsigned long long o;
  c = _addcarry_u64(c, a, b, &o);
  *r = o;
  return c;
}
INLINE unsigned char fg_subb(unsigned char c, u64 a, u64 b, u64 *r) {
  unsigned long long o;
  c = _subborrow_u64(c, a, b, &o);
  *r = o;
  return c;
}
#else
INLINE unsigned char fg_addc(unsigned char c, u64 a, u64 b, u64 *r) {
  u128 s = (u128)a + b + c;
  *r = (u64)s;
  return (unsigned char)(s >> 64);
}
INLINE unsigned char fg_subb(unsigned char c, u64 a, u64 b, u64 *r) {
  u128 d = (u128)a - b - c;
  *r = (u64)d;
  return (unsigned char)((d >> 64) & 1);
}
#endif

/* r = t − p if that does not borrow (or if hi carries), else t: t < 2p, result < p. */
INLINE void fe_reduce_once(fe *r, u64 t0, u64 t1, u64 t2, u64 t3, u64 hi) {
  u64 s0, s1, s2, s3;
  unsigned char br = fg_subb(0, t0, P.v[0], &s0);
  br = fg_subb(br, t1, P.v[1], &s1);
  br = fg_subb(br, t2, P.v[2], &s2);
  br = fg_subb(br, t3, P.v[3], &s3);
  /* keep t iff the subtraction borrowed beyond the carry word: br > hi */
  u64 keep = (u64)0 - ((u64)br & ~hi & 1);
  r->v[0] = (t0 & keep) | (s0 & ~keep);
  r->v[1] = (t1 & keep) | (s1 & ~keep);
  r->v[2] = (t2 & keep) | (s2 & ~keep);
  r->v[3] = (t3 & keep) | (s3 & ~keep);
}

/* Montgomery reduction of a 512-bit t[0..7] (t < p·2^256): returns t·2^−256 mod p, fully
 * reduced. Specialised to p: with −p⁻¹ ≡ 1 (mod 2^64) the quotient digit of step i is m = t_i,
 * and (t + m·p) / 2^64 = t_{i+1..} + m·(p + 1)/2^64 with (p + 1)/2^64 = 2^192 − 2^160 − 2^32 + 1,
 * so each step is shifts, one 4-limb subtraction and one 4-limb addition — no multiplication.
 * cy carries the bit that lands one limb above the step's window into the next step's top limb
 * (v3 ≤ m − 1 < 2^64 − 1, so v3 + cy does not overflow). The result before the final
 * conditional subtraction is < 2p. */
INLINE void fe_mont_reduce(fe *r, u64 t[8]) {
  u64 cy = 0;
#pragma GCC unroll 4
  for (int i = 0; i < 4; i++) {
    u64 m = t[i], mlo = m << 32, mhi = m >> 32;
    /* v = m·2^192 + m − (m·2^160 + m·2^32) as limbs [m, 0, 0, m] − [mlo, mhi, mlo, mhi] */
    u64 v0, v1, v2, v3;
    unsigned char br = fg_subb(0, m, mlo, &v0);
    br = fg_subb(br, 0, mhi, &v1);
    br = fg_subb(br, 0, mlo, &v2);
    v3 = m - mhi - br + cy;
    unsigned char c = fg_addc(0, t[i + 1], v0, &t[i + 1]);
    c = fg_addc(c, t[i + 2], v1, &t[i + 2]);
    c = fg_addc(c, t[i + 3], v2, &t[i + 3]);
    c = fg_addc(c, t[i + 4], v3, &t[i + 4]);
    cy = c;
  }
  fe_reduce_once(r, t[4], t[5], t[6], t[7], cy);
}

INLINE u64 mul64(u64 a, u64 b, u64 *hi) {
  u128 p = (u128)a * b;
  *hi = (u64)(p >> 64);
  return (u64)p;
}

/* Montgomery product a·b·R⁻¹ mod p: 4×4 schoolbook 512-bit product (16 64×64→128
 * multiplications; each row a·b_i is formed with one carry chain and added with a second),
 * then fe_mont_reduce. */
INLINE void fe_mul(fe *r, const fe *a, const fe *b) {
  u64 t[8];
  u64 a0 = a->v[0], a1 = a->v[1], a2 = a->v[2], a3 = a->v[3];
  u64 l0, l1, l2, l3, h0, h1, h2, h3;
  unsigned char c;
  {
    u64 bi = b->v[0];
    t[0] = mul64(a0, bi, &h0);
    l1 = mul64(a1, bi, &h1);
    l2 = mul64(a2, bi, &h2);
    l3 = mul64(a3, bi, &h3);
    c = fg_addc(0, l1, h0, &t[1]);
    c = fg_addc(c, l2, h1, &t[2]);
    c = fg_addc(c, l3, h2, &t[3]);
    t[4] = h3 + c;
  }
#pragma GCC unroll 3
  for (int i = 1; i < 4; i++) {
    u64 bi = b->v[i], r1, r2, r3, r4;
    l0 = mul64(a0, bi, &h0);
    l1 = mul64(a1, bi, &h1);
    l2 = mul64(a2, bi, &h2);
    l3 = mul64(a3, bi, &h3);
    c = fg_addc(0, l1, h0, &r1);
    c = fg_addc(c, l2, h1, &r2);
    c = fg_addc(c, l3, h2, &r3);
    r4 = h3 + c;
    c = fg_addc(0, t[i], l0, &t[i]);
    c = fg_addc(c, t[i + 1], r1, &t[i + 1]);
    c = fg_addc(c, t[i + 2], r2, &t[i + 2]);
    c = fg_addc(c, t[i + 3], r3, &t[i + 3]);
    t[i + 4] = r4 + c;
  }
  fe_mont_reduce(r, t);
}

/* Montgomery square a²·R⁻¹ mod p: the 6 cross products once, doubled by a shift, plus the 4
 * squares (10 multiplications instead of 16), then fe_mont_reduce. */
INLINE void fe_sqr(fe *r, const fe *a) {
  u64 a0 = a->v[0], a1 = a->v[1], a2 = a->v[2], a3 = a->v[3];
  u64 t[8], l, h, h01, h02, h03, h12, h13, h23, s0, s1, s2, s3;
  unsigned char c;
  /* cross products a_i·a_j, i < j, into t[1..6] */
  t[1] = mul64(a0, a1, &h01);
  l = mul64(a0, a2, &h02);
  c = fg_addc(0, l, h01, &t[2]);
  l = mul64(a0, a3, &h03);
  c = fg_addc(c, l, h02, &t[3]);
  t[4] = h03 + c; /* a0·(a1, a2, a3) < 2^256 */
  l = mul64(a1, a2, &h12);
  u64 m13 = mul64(a1, a3, &h13);
  c = fg_addc(0, m13, h12, &m13);
  h13 += c; /* a1·(a2, a3) = [l, m13, h13] */
  c = fg_addc(0, t[3], l, &t[3]);
  c = fg_addc(c, t[4], m13, &t[4]);
  t[5] = h13 + c;
  l = mul64(a2, a3, &h23);
  c = fg_addc(0, t[5], l, &t[5]);
  t[6] = h23 + c;
  /* double */
  t[7] = t[6] >> 63;
  t[6] = (t[6] << 1) | (t[5] >> 63);
  t[5] = (t[5] << 1) | (t[4] >> 63);
  t[4] = (t[4] << 1) | (t[3] >> 63);
  t[3] = (t[3] << 1) | (t[2] >> 63);
  t[2] = (t[2] << 1) | (t[1] >> 63);
  t[1] = t[1] << 1;
  /* add the squares a_i² at 2i */
  t[0] = mul64(a0, a0, &s0);
  l = mul64(a1, a1, &s1);
  c = fg_addc(0, t[1], s0, &t[1]);
  c = fg_addc(c, t[2], l, &t[2]);
  c = fg_addc(c, t[3], s1, &t[3]);
  l = mul64(a2, a2, &s2);
  c = fg_addc(c, t[4], l, &t[4]);
  c = fg_addc(c, t[5], s2, &t[5]);
  l = mul64(a3, a3, &s3);
  c = fg_addc(c, t[6], l, &t[6]);
  t[7] = t[7] + s3 + c;
  (void)h;
  fe_mont_reduce(r, t);
}

INLINE void fe_add(fe *r, const fe *a, const fe *b) {
  u64 t0, t1, t2, t3;
  unsigned char c = fg_addc(0, a->v[0], b->v[0], &t0);
  c = fg_addc(c, a->v[1], b->v[1], &t1);
  c = fg_addc(c, a->v[2], b->v[2], &t2);
  c = fg_addc(c, a->v[3], b->v[3], &t3);
  fe_reduce_once(r, t0, t1, t2, t3, c);
}

INLINE void fe_sub(fe *r, const fe *a, const fe *b) {
  u64 t0, t1, t2, t3;
  unsigned char br = fg_subb(0, a->v[0], b->v[0], &t0);
  br = fg_subb(br, a->v[1], b->v[1], &t1);
  br = fg_subb(br, a->v[2], b->v[2], &t2);
  br = fg_subb(br, a->v[3], b->v[3], &t3);
  /* add p back if it borrowed */
  u64 mask = (u64)0 - br;
  unsigned char c = fg_addc(0, t0, P.v[0] & mask, &r->v[0]);
  c = fg_addc(c, t1, P.v[1] & mask, &r->v[1]);
  c = fg_addc(c, t2, P.v[2] & mask, &r->v[2]);
  (void)fg_addc(c, t3, P.v[3] & mask, &r->v[3]);
}

/* all-ones mask if a == 0, else 0 (constant time). */
INLINE u64 fe_is_zero_mask(const fe *a) {
  u64 x = a->v[0] | a->v[1] | a->v[2] | a->v[3];
  return (u64)0 - (u64)(((x | ((u64)0 - x)) >> 63) ^ 1);
}

INLINE void fe_select(fe *r, const fe *a, u64 mask) { /* r = mask ? a : r */
  for (int i = 0; i < 4; i++) r->v[i] = (r->v[i] & ~mask) | (a->v[i] & mask);
}

static void fe_from_be(fe *r, const uint8_t *b) {
  for (int i = 0; i < 4; i++) {
    u64 w = 0;
    for (int j = 0; j < 8; j++) w = (w << 8) | b[8 * (3 - i) + j];
    r->v[i] = w;
  }
}

static void fe_to_be(uint8_t *b, const fe *a) {
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 8; j++) b[8 * (3 - i) + j] = (uint8_t)(a->v[i] >> (56 - 8 * j));
}

/* a < m for 4-limb little-endian integers (public values only). */
static int lt4(const u64 a[4], const u64 m[4]) {
  for (int i = 3; i >= 0; i--) {
    if (a[i] != m[i]) return a[i] < m[i];
  }
  return 0;
}

INLINE void pt_select(jpt *r, const jpt *a, u64 mask) {
  fe_select(&r->x, &a->x, mask);
  fe_select(&r->y, &a->y, mask);
  fe_select(&r->z, &a->z, mask);
}

/* all-ones mask if a == b (small public-range integers; constant time). */
INLINE u64 eq_mask(unsigned a, unsigned b) {
  u64 x = (u64)(a ^ b);
  return (u64)0 - (u64)(((x | ((u64)0 - x)) >> 63) ^ 1);
}

/* r = t[d − 1] for d ∈ [1, 16], the point (0 : 0 : 0) for d = 0: reads all 16 entries and
 * keeps one by mask, so the addresses do not depend on the secret d. 128-bit vectors (GCC
 * vector extension: SSE2, baseline on x86-64; scalar pairs elsewhere), 6 per point — a third
 * of the instructions of the 12 scalar and/andn/or selects per entry. */
typedef u64 u64x2 __attribute__((vector_size(16)));
_Static_assert(sizeof(jpt) == 96, "jpt must be 12 limbs without padding (pt_scan16)");
INLINE void pt_scan16(jpt *r, const jpt t[16], unsigned d) {
  u64x2 acc[6] = {{0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}};
  for (unsigned i = 0; i < 16; i++) {
    u64 m = eq_mask(d, i + 1);
    u64x2 mv = {m, m};
    for (int j = 0; j < 6; j++) {
      u64x2 v;
      memcpy(&v, (const unsigned char *)&t[i] + 16 * j, sizeof v);
      acc[j] |= v & mv;
    }
  }
  memcpy(r, acc, sizeof *r);
}

/* The curve layer, twice: over the C field product, and (x86-64 ELF) over the assembly one,
 * each with its own name suffix; the _adx copy is only reached when the CPU has BMI2 + ADX. */
#define FE_MUL(r, a, b) fe_mul(r, a, b)
#define FE_SQR(r, a) fe_sqr(r, a)
#define FE_ADD(r, a, b) fe_add(r, a, b)
#define FE_SUB(r, a, b) fe_sub(r, a, b)
#define SM2_FN(name) name##_c
#include "sm2_curve.h"
#undef FE_MUL
#undef FE_SQR
#undef FE_ADD
#undef FE_SUB
#undef SM2_FN
#ifdef FG_SM2_MONT_ADX
#define FE_MUL(r, a, b) fg_sm2_mont_mul_adx((r)->v, (a)->v, (b)->v)
#define FE_SQR(r, a) fg_sm2_mont_sqr_adx((r)->v, (a)->v)
#define FE_ADD(r, a, b) fg_sm2_add_asm((r)->v, (a)->v, (b)->v)
#define FE_SUB(r, a, b) fg_sm2_sub_asm((r)->v, (a)->v, (b)->v)
#define SM2_FN(name) name##_adx
#include "sm2_curve.h"
#undef FE_MUL
#undef FE_SQR
#undef FE_ADD
#undef FE_SUB
#undef SM2_FN
#endif

/* Two builds of the portable kernel, chosen at run time (use_bmi2_adx), so a build made on one
 * machine runs anywhere: the C one for baseline x86-64 (and every other target), and — where
 * the CPU has BMI2 and ADX — the same curve code over the MULX/ADCX/ADOX assembly field
 * product of sm2_mont_adx.h (on x86-64 ELF; elsewhere the C code compiled with
 * target("bmi2,adx")). Both give equal bytes. */
static __attribute__((noinline)) long portable_mul_x_c(const u64 k[4], const uint8_t *xs,
                                                       uint8_t *out, size_t n) {
  return portable_mul_x_impl_c(k, xs, out, n);
}
static __attribute__((noinline)) void portable_on_curve_c(const uint8_t *xs, uint8_t *flags,
                                                          size_t n) {
  portable_on_curve_impl_c(xs, flags, n);
}
#if defined(__x86_64__)
#define FG_SM2_BMI2_VARIANT 1
#ifdef FG_SM2_MONT_ADX
#define portable_mul_x_impl_bmi2 portable_mul_x_impl_adx
#define portable_on_curve_impl_bmi2 portable_on_curve_impl_adx
#else
#define portable_mul_x_impl_bmi2 portable_mul_x_impl_c
#define portable_on_curve_impl_bmi2 portable_on_curve_impl_c
#endif
static __attribute__((noinline, target("bmi2,adx"))) long portable_mul_x_bmi2_adx(
    const u64 k[4], const uint8_t *xs, uint8_t *out, size_t n) {
  return portable_mul_x_impl_bmi2(k, xs, out, n);
}
static __attribute__((noinline, target("bmi2,adx"))) void portable_on_curve_bmi2_adx(
    const uint8_t *xs, uint8_t *flags, size_t n) {
  portable_on_curve_impl_bmi2(xs, flags, n);
}
#else
#define portable_mul_x_bmi2_adx portable_mul_x_c
#define portable_on_curve_bmi2_adx portable_on_curve_c
#endif

/* The BMI2/ADX build of the portable kernel, unless the CPU lacks either or
 * FEDGRID_NATIVE_BMI2 is "0" (read on every call, so tests exercise both in one process). */
static int use_bmi2_adx(void) {
#ifdef FG_SM2_BMI2_VARIANT
  const char *env = getenv("FEDGRID_NATIVE_BMI2");
  if (env && strcmp(env, "0") == 0) return 0;
  return __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("adx");
#else
  return 0;
#endif
}

static int use_ifma(void) {
#ifdef FG_SM2_IFMA_KERNEL
  const char *env = getenv("FEDGRID_NATIVE_IFMA");
  if (env && strcmp(env, "0") == 0) return 0;
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512ifma");
#else
  return 0;
#endif
}

napi_value fg_sm2_mul_x(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 3)
    return fg_throw_type(env, "sm2MulX(scalar, xs, out) expects 3 arguments, got %zu", argc);
  uint8_t *scalar, *xs, *out;
  size_t slen, xlen, olen;
  if (fg_arg_u8(env, argv[0], "scalar", &scalar, &slen)) return NULL;
  if (fg_arg_u8(env, argv[1], "xs", &xs, &xlen)) return NULL;
  if (fg_arg_u8(env, argv[2], "out", &out, &olen)) return NULL;
  if (slen != SM2_LEN) return fg_throw_range(env, "scalar must be exactly 32 bytes, got %zu", slen);
  if (xlen % SM2_LEN != 0)
    return fg_throw_range(env, "xs length must be a multiple of 32, got %zu", xlen);
  if (olen != xlen)
    return fg_throw_range(env, "out must have the same length as xs (%zu bytes), got %zu", xlen,
                          olen);
  fe kf;
  fe_from_be(&kf, scalar);
  if ((kf.v[0] | kf.v[1] | kf.v[2] | kf.v[3]) == 0 || !lt4(kf.v, N))
    return fg_throw_range(env, "scalar must be in [1, n-1] (big-endian)");
  /* Inputs and outputs may overlap in any way: each group's x's are read before any of the
   * group's results is written, and a group's results only cover its own input slots. An
   * overlap that is not the identity could still clobber later inputs, so reject it. */
  if (out != xs && out < xs + xlen && xs < out + olen)
    return fg_throw_range(env, "out must be xs itself or not overlap it");
  size_t n = xlen / SM2_LEN;
  int32_t bad = -1;
#ifdef FG_SM2_IFMA_KERNEL
  if (use_ifma()) {
    bad = (int32_t)fg_sm2_ifma_mul_x(kf.v, xs, out, n);
    memset(&kf, 0, sizeof kf);
    __asm__ __volatile__("" : : "r"(&kf) : "memory");
    napi_value r;
    if (napi_create_int32(env, bad, &r) != napi_ok) return NULL;
    return r;
  }
#endif
  bad = use_bmi2_adx() ? portable_mul_x_bmi2_adx(kf.v, xs, out, n) : portable_mul_x_c(kf.v, xs, out, n);
  memset(&kf, 0, sizeof kf);
  __asm__ __volatile__("" : : "r"(&kf) : "memory");
  napi_value ret;
  if (napi_create_int32(env, bad, &ret) != napi_ok) return NULL;
  return ret;
}

static void on_curve_batch(const uint8_t *xs, uint8_t *flags, size_t n);

napi_value fg_sm2_x_on_curve(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 2)
    return fg_throw_type(env, "sm2XOnCurve(xs, flags) expects 2 arguments, got %zu", argc);
  uint8_t *xs, *flags;
  size_t xlen, flen;
  if (fg_arg_u8(env, argv[0], "xs", &xs, &xlen)) return NULL;
  if (fg_arg_u8(env, argv[1], "flags", &flags, &flen)) return NULL;
  if (xlen % SM2_LEN != 0)
    return fg_throw_range(env, "xs length must be a multiple of 32, got %zu", xlen);
  if (flen != xlen / SM2_LEN)
    return fg_throw_range(env, "flags must have one byte per x (%zu), got %zu", xlen / SM2_LEN,
                          flen);
#ifdef FG_SM2_IFMA_KERNEL
  if (use_ifma()) {
    fg_sm2_ifma_on_curve(xs, flags, flen);
    return NULL;
  }
#endif
  on_curve_batch(xs, flags, flen);
  return NULL;
}

/* flags[i] = whether xs[i] is a curve x-coordinate, on the dispatched backend. */
static void on_curve_batch(const uint8_t *xs, uint8_t *flags, size_t n) {
#ifdef FG_SM2_IFMA_KERNEL
  if (use_ifma()) {
    fg_sm2_ifma_on_curve(xs, flags, n);
    return;
  }
#endif
  if (use_bmi2_adx()) portable_on_curve_bmi2_adx(xs, flags, n);
  else portable_on_curve_c(xs, flags, n);
}

napi_value fg_sm2_hash_to_x(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 4)
    return fg_throw_type(env, "sm2HashToX(dst, ids, ends, out) expects 4 arguments, got %zu",
                         argc);
  uint8_t *dst, *ids, *out;
  int32_t *ends;
  size_t dlen, ilen, n, olen;
  if (fg_arg_u8(env, argv[0], "dst", &dst, &dlen)) return NULL;
  if (fg_arg_u8(env, argv[1], "ids", &ids, &ilen)) return NULL;
  if (fg_arg_i32arr(env, argv[2], "ends", &ends, &n)) return NULL;
  if (fg_arg_u8(env, argv[3], "out", &out, &olen)) return NULL;
  if (olen != n * SM2_LEN)
    return fg_throw_range(env, "out must be 32 bytes per id (%zu), got %zu", n * SM2_LEN, olen);
  for (size_t i = 0; i < n; i++) {
    int32_t start = i ? ends[i - 1] : 0;
    if (ends[i] < start || (size_t)ends[i] > ilen)
      return fg_throw_range(env, "ends[%zu] = %d is not within [%d, %zu]", i, ends[i], start,
                            ilen);
  }
  if (n == 0) return NULL;
  size_t *pending = malloc(n * sizeof *pending);
  uint8_t *cand = malloc(n * SM2_LEN);
  uint8_t *flags = malloc(n);
  if (!pending || !cand || !flags) {
    free(pending);
    free(cand);
    free(flags);
    napi_throw_error(env, "ERR_FEDGRID_NATIVE_OOM", "sm2HashToX: out of memory");
    return NULL;
  }
  for (size_t i = 0; i < n; i++) pending[i] = i;
  size_t np = n;
  for (uint32_t c = 0; np > 0; c++) {
    uint8_t ctr[4] = {(uint8_t)(c >> 24), (uint8_t)(c >> 16), (uint8_t)(c >> 8), (uint8_t)c};
    for (size_t j = 0; j < np; j++) {
      size_t i = pending[j];
      int32_t start = i ? ends[i - 1] : 0;
      fg_sm3_ctx h;
      fg_sm3_init(&h);
      fg_sm3_update(&h, dst, dlen);
      fg_sm3_update(&h, ctr, 4);
      fg_sm3_update(&h, ids + start, (size_t)(ends[i] - start));
      uint8_t *d = cand + SM2_LEN * j;
      fg_sm3_final(&h, d);
      fe v;
      fe_from_be(&v, d);
      if (!lt4(v.v, P.v)) { /* p > 2^255, so one subtraction reduces a digest mod p */
        fe_sub(&v, &v, &P);
        fe_to_be(d, &v);
      }
    }
    on_curve_batch(cand, flags, np);
    size_t keep = 0;
    for (size_t j = 0; j < np; j++) {
      if (flags[j]) memcpy(out + SM2_LEN * pending[j], cand + SM2_LEN * j, SM2_LEN);
      else pending[keep++] = pending[j];
    }
    np = keep;
  }
  free(pending);
  free(cand);
  free(flags);
  return NULL;
}

napi_value fg_sm2_info(napi_env env, napi_callback_info info) {
  napi_value obj, backend;
  if (napi_create_object(env, &obj) != napi_ok) return NULL;
  if (napi_create_string_utf8(env, use_ifma() ? "ifma" : "portable", NAPI_AUTO_LENGTH, &backend) != napi_ok) return NULL;
  if (napi_set_named_property(env, obj, "backend", backend) != napi_ok) return NULL;
  napi_value variant;
  if (napi_create_string_utf8(env, use_bmi2_adx() ? "bmi2-adx" : "c", NAPI_AUTO_LENGTH,
                              &variant) != napi_ok)
    return NULL;
  if (napi_set_named_property(env, obj, "portable", variant) != napi_ok) return NULL;
  return obj;
}
