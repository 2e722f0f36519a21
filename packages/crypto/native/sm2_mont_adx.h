/*
 * SM2 field (p = 2^256 − 2^224 − 2^96 + 2^64 − 1) Montgomery multiplication in x86-64
 * assembly with MULX / ADCX / ADOX (BMI2 + ADX), native/sm2_mont_adx.c. Used by the portable
 * SM2 kernel (sm2.c) when the CPU has both extensions; the C code stays the fallback.
 */
#ifndef FG_SM2_MONT_ADX_H
#define FG_SM2_MONT_ADX_H

#include <stdint.h>

#if defined(__x86_64__) && defined(__ELF__)
#define FG_SM2_MONT_ADX 1
/* r = a·b·2^−256 mod p, four little-endian 64-bit limbs each, a, b < p, result < p
 * (fully reduced). r may alias a or b. Constant time (no data-dependent branch or address).
 * The caller must have checked that the CPU has BMI2 and ADX. */
void fg_sm2_mont_mul_adx(uint64_t r[4], const uint64_t a[4], const uint64_t b[4]);
/* r = a²·2^−256 mod p: the same with the 6 cross products formed once and doubled
 * (10 MULX instead of 16). */
void fg_sm2_mont_sqr_adx(uint64_t r[4], const uint64_t a[4]);
/* r = a + b mod p and r = a − b mod p (a, b < p; result < p), inline x86-64 assembly (no
 * BMI2 needed): one carry chain, then a conditional subtraction (add) or addition (sub) of p
 * by CMOV / mask, no branch. r may alias a or b: every input limb is read before any store.
 * GCC's code for the C versions in sm2.c keeps the carries in flag-to-register round trips
 * and vectorises the masked select (57 and 28 instructions; these are 27 and 21). */
#define FG_SM2_AS4(p) (*(uint64_t(*)[4])(p))
#define FG_SM2_AS4C(p) (*(const uint64_t(*)[4])(p))
static const uint64_t fg_sm2_p1 = 0xffffffff00000000ULL, fg_sm2_p3 = 0xfffffffeffffffffULL;
static inline __attribute__((always_inline)) void fg_sm2_add_asm(uint64_t r[4],
                                                                 const uint64_t a[4],
                                                                 const uint64_t b[4]) {
  uint64_t t0, t1, t2, t3, s0, s1, s2, s3, hi;
  __asm__("mov %[a], %[t0]\n\t"
          "mov 8+%[a], %[t1]\n\t"
          "mov 16+%[a], %[t2]\n\t"
          "mov 24+%[a], %[t3]\n\t"
          "xor %k[hi], %k[hi]\n\t"
          "add %[b], %[t0]\n\t"
          "adc 8+%[b], %[t1]\n\t"
          "adc 16+%[b], %[t2]\n\t"
          "adc 24+%[b], %[t3]\n\t"
          "adc $0, %[hi]\n\t"
          "mov %[t0], %[s0]\n\t"
          "mov %[t1], %[s1]\n\t"
          "mov %[t2], %[s2]\n\t"
          "mov %[t3], %[s3]\n\t"
          "sub $-1, %[s0]\n\t"
          "sbb %[p1], %[s1]\n\t"
          "sbb $-1, %[s2]\n\t"
          "sbb %[p3], %[s3]\n\t"
          "sbb $0, %[hi]\n\t"
          "cmovc %[t0], %[s0]\n\t"
          "cmovc %[t1], %[s1]\n\t"
          "cmovc %[t2], %[s2]\n\t"
          "cmovc %[t3], %[s3]\n\t"
          "mov %[s0], %[r]\n\t"
          "mov %[s1], 8+%[r]\n\t"
          "mov %[s2], 16+%[r]\n\t"
          "mov %[s3], 24+%[r]"
          : [r] "=m"(FG_SM2_AS4(r)), [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2),
            [t3] "=&r"(t3), [s0] "=&r"(s0), [s1] "=&r"(s1), [s2] "=&r"(s2), [s3] "=&r"(s3),
            [hi] "=&r"(hi)
          : [a] "m"(FG_SM2_AS4C(a)), [b] "m"(FG_SM2_AS4C(b)), [p1] "m"(fg_sm2_p1),
            [p3] "m"(fg_sm2_p3)
          : "cc");
}
static inline __attribute__((always_inline)) void fg_sm2_sub_asm(uint64_t r[4],
                                                                 const uint64_t a[4],
                                                                 const uint64_t b[4]) {
  uint64_t t0, t1, t2, t3, m, s1, s3;
  __asm__("mov %[a], %[t0]\n\t"
          "mov 8+%[a], %[t1]\n\t"
          "mov 16+%[a], %[t2]\n\t"
          "mov 24+%[a], %[t3]\n\t"
          "sub %[b], %[t0]\n\t"
          "sbb 8+%[b], %[t1]\n\t"
          "sbb 16+%[b], %[t2]\n\t"
          "sbb 24+%[b], %[t3]\n\t"
          "sbb %[m], %[m]\n\t"
          "mov %[m], %[s1]\n\t"
          "and %[p1], %[s1]\n\t"
          "mov %[m], %[s3]\n\t"
          "and %[p3], %[s3]\n\t"
          "add %[m], %[t0]\n\t"
          "adc %[s1], %[t1]\n\t"
          "adc %[m], %[t2]\n\t"
          "adc %[s3], %[t3]\n\t"
          "mov %[t0], %[r]\n\t"
          "mov %[t1], 8+%[r]\n\t"
          "mov %[t2], 16+%[r]\n\t"
          "mov %[t3], 24+%[r]"
          : [r] "=m"(FG_SM2_AS4(r)), [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2),
            [t3] "=&r"(t3), [m] "=&r"(m), [s1] "=&r"(s1), [s3] "=&r"(s3)
          : [a] "m"(FG_SM2_AS4C(a)), [b] "m"(FG_SM2_AS4C(b)), [p1] "m"(fg_sm2_p1),
            [p3] "m"(fg_sm2_p3)
          : "cc");
}
#endif

#endif
