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
#endif

#endif
