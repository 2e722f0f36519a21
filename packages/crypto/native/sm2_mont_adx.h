/*
 * SM2 field (p = 2^256 − 2^224 − 2^96 + 2^64 − 1) arithmetic in x86-64 inline assembly:
 * Montgomery multiplication with MULX / ADCX / ADOX (BMI2 + ADX), add and subtract. Used by the
 * portable SM2 kernel (sm2.c) when the CPU has both extensions; the C code stays the fallback.
 */
#ifndef FG_SM2_MONT_ADX_H
#define FG_SM2_MONT_ADX_H

#include <stdint.h>

#if defined(__x86_64__) && defined(__ELF__)
#define FG_SM2_MONT_ADX 1
/*
 * Montgomery product and squaring as extended inline assembly, so the curve formulas of
 * sm2_curve.h get them without a call: no call/ret, argument moves or callee-saved pushes and
 * pops (≈ 17 instructions per product) — the register set is declared clobbered instead and
 * the compiler saves what it needs once per enclosing function.
 *
 * fg_sm2_mont_mul_adx: r = a·b·2^−256 mod p, four little-endian 64-bit limbs each, a, b < p,
 * result < p (fully reduced). r may alias a or b (every input limb is read before the store).
 * Constant time (no data-dependent branch or address). The caller must have checked that the
 * CPU has BMI2 and ADX.
 *  1. the 512-bit product a·b in r8..r15 (t0..t7): row 0 with one ADD/ADC chain, rows 1–3
 *     each with two independent carry chains — ADCX (CF) adds the low halves of a_j·b_i,
 *     ADOX (OF) the high halves — as in OpenSSL's ecp_nistz256 MULX path; a row's final carry
 *     is added by ADC $0 (the OF chain ends with no carry: the row fits);
 *  2. Montgomery reduction specialised to p (the C fe_mont_reduce in sm2.c, step for step):
 *     −p⁻¹ ≡ 1 (mod 2^64), so step i's quotient digit is m = t_i and
 *     (t + m·p)/2^64 = t_{i+1..} + m·(2^192 − 2^160 − 2^32 + 1), formed as the limbs
 *     [m, 0, 0, m] − [m<<32, m>>32, m<<32, m>>32] (no multiplication); the carry out of a step
 *     (kept in r8, free after step 0) is added to the next step's top limb, which cannot
 *     overflow (it is ≤ m − 1);
 *  3. one conditional subtraction of p by CMOV, so the result is < p.
 * fg_sm2_mont_sqr_adx: r = a²·2^−256 mod p, the same with the 6 cross products formed once
 * and doubled, plus the 4 squares (10 MULX instead of 16).
 */
#define FG_SM2_REDC_STEP(M, T1, T2, T3, T4, CIN) \
  "mov %%" M ", %%rax\n\t"                       \
  "shl $32, %%rax\n\t"                            \
  "mov %%" M ", %%rbx\n\t"                       \
  "shr $32, %%rbx\n\t"                            \
  "mov %%" M ", %%rdx\n\t"                       \
  "sub %%rax, %%rdx\n\t"                         \
  "mov $0, %%ecx\n\t"                             \
  "sbb %%rbx, %%rcx\n\t"                         \
  "mov $0, %%esi\n\t"                             \
  "sbb %%rax, %%rsi\n\t"                         \
  "sbb %%rbx, %%" M "\n\t" CIN                   \
  "add %%rdx, %%" T1 "\n\t"                      \
  "adc %%rcx, %%" T2 "\n\t"                      \
  "adc %%rsi, %%" T3 "\n\t"                      \
  "adc %%" M ", %%" T4 "\n\t"                    \
  "mov $0, %%r8d\n\t"                             \
  "adc $0, %%r8\n\t"
/* Montgomery reduction of t0..t7 (r8..r15), final subtraction, store to (rdi). */
#define FG_SM2_REDC_ASM                                               \
  FG_SM2_REDC_STEP("r8", "r9", "r10", "r11", "r12", "")               \
  FG_SM2_REDC_STEP("r9", "r10", "r11", "r12", "r13", "add %%r8, %%r9\n\t")   \
  FG_SM2_REDC_STEP("r10", "r11", "r12", "r13", "r14", "add %%r8, %%r10\n\t") \
  FG_SM2_REDC_STEP("r11", "r12", "r13", "r14", "r15", "add %%r8, %%r11\n\t") \
  /* (r8 : r15 r14 r13 r12) < 2p: subtract p, keep the original if that borrows */ \
  "mov %%r12, %%rax\n\t"                                             \
  "mov %%r13, %%rbx\n\t"                                             \
  "mov %%r14, %%rcx\n\t"                                             \
  "mov %%r15, %%rdx\n\t"                                             \
  "sub $-1, %%rax\n\t"                                                \
  "movabs $0xffffffff00000000, %%rsi\n\t"                            \
  "sbb %%rsi, %%rbx\n\t"                                             \
  "sbb $-1, %%rcx\n\t"                                                \
  "movabs $0xfffffffeffffffff, %%rsi\n\t"                            \
  "sbb %%rsi, %%rdx\n\t"                                             \
  "sbb $0, %%r8\n\t"                                                  \
  "cmovc %%r12, %%rax\n\t"                                           \
  "cmovc %%r13, %%rbx\n\t"                                           \
  "cmovc %%r14, %%rcx\n\t"                                           \
  "cmovc %%r15, %%rdx\n\t"                                           \
  "mov %%rax, (%%rdi)\n\t"                                           \
  "mov %%rbx, 8(%%rdi)\n\t"                                          \
  "mov %%rcx, 16(%%rdi)\n\t"                                         \
  "mov %%rdx, 24(%%rdi)"
/* One row i ≥ 1 of the product: t_i..t_{i+4} += a·b_i (b_i in rdx; TOP is zeroed first). */
#define FG_SM2_MUL_ROW(OFF, T0, T1, T2, T3, TOP) \
  "mov " OFF "(%%rcx), %%rdx\n\t"              \
  "xor %%" TOP "d, %%" TOP "d\n\t"             \
  "mulx (%%rsi), %%rax, %%rbx\n\t"              \
  "adcx %%rax, %%" T0 "\n\t"                    \
  "adox %%rbx, %%" T1 "\n\t"                    \
  "mulx 8(%%rsi), %%rax, %%rbx\n\t"             \
  "adcx %%rax, %%" T1 "\n\t"                    \
  "adox %%rbx, %%" T2 "\n\t"                    \
  "mulx 16(%%rsi), %%rax, %%rbx\n\t"            \
  "adcx %%rax, %%" T2 "\n\t"                    \
  "adox %%rbx, %%" T3 "\n\t"                    \
  "mulx 24(%%rsi), %%rax, %%rbx\n\t"            \
  "adcx %%rax, %%" T3 "\n\t"                    \
  "adox %%rbx, %%" TOP "\n\t"                   \
  "adc $0, %%" TOP "\n\t"
static inline __attribute__((always_inline)) void fg_sm2_mont_mul_adx(uint64_t r[4],
                                                                      const uint64_t a[4],
                                                                      const uint64_t b[4]) {
  const uint64_t *ap = a, *bp = b;
  __asm__ volatile(
      /* row 0: t0..t4 = a·b0 */
      "mov (%%rcx), %%rdx\n\t"
      "mulx (%%rsi), %%r8, %%r9\n\t"
      "mulx 8(%%rsi), %%rax, %%r10\n\t"
      "add %%rax, %%r9\n\t"
      "mulx 16(%%rsi), %%rax, %%r11\n\t"
      "adc %%rax, %%r10\n\t"
      "mulx 24(%%rsi), %%rax, %%r12\n\t"
      "adc %%rax, %%r11\n\t"
      "adc $0, %%r12\n\t" /* rows 1–3 */
      FG_SM2_MUL_ROW("8", "r9", "r10", "r11", "r12", "r13")
      FG_SM2_MUL_ROW("16", "r10", "r11", "r12", "r13", "r14")
      FG_SM2_MUL_ROW("24", "r11", "r12", "r13", "r14", "r15")
      FG_SM2_REDC_ASM
      : "+S"(ap), "+c"(bp)
      : "D"(r)
      : "rax", "rbx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "cc",
        "memory");
}
static inline __attribute__((always_inline)) void fg_sm2_mont_sqr_adx(uint64_t r[4],
                                                                      const uint64_t a[4]) {
  const uint64_t *ap = a;
  __asm__ volatile(
      /* cross products a_i·a_j (i < j) into t1..t6 */
      "mov (%%rsi), %%rdx\n\t"
      "mulx 8(%%rsi), %%r9, %%r10\n\t"
      "mulx 16(%%rsi), %%rax, %%r11\n\t"
      "mulx 24(%%rsi), %%rbx, %%r12\n\t"
      "add %%rax, %%r10\n\t"
      "adc %%rbx, %%r11\n\t"
      "adc $0, %%r12\n\t"
      "mov 8(%%rsi), %%rdx\n\t"
      "mulx 16(%%rsi), %%rax, %%rbx\n\t"
      "mulx 24(%%rsi), %%rcx, %%r13\n\t"
      "add %%rax, %%r11\n\t"
      "adc %%rcx, %%r12\n\t"
      "adc $0, %%r13\n\t"
      "add %%rbx, %%r12\n\t"
      "adc $0, %%r13\n\t"
      "mov 16(%%rsi), %%rdx\n\t"
      "mulx 24(%%rsi), %%rax, %%r14\n\t"
      "add %%rax, %%r13\n\t"
      "adc $0, %%r14\n\t"
      /* double them into t1..t7 */
      "xor %%r15d, %%r15d\n\t"
      "add %%r9, %%r9\n\t"
      "adc %%r10, %%r10\n\t"
      "adc %%r11, %%r11\n\t"
      "adc %%r12, %%r12\n\t"
      "adc %%r13, %%r13\n\t"
      "adc %%r14, %%r14\n\t"
      "adc $0, %%r15\n\t"
      /* add the squares a_i² at limb 2i */
      "mov (%%rsi), %%rdx\n\t"
      "mulx %%rdx, %%r8, %%rax\n\t"
      "add %%rax, %%r9\n\t"
      "mov 8(%%rsi), %%rdx\n\t"
      "mulx %%rdx, %%rax, %%rbx\n\t"
      "adc %%rax, %%r10\n\t"
      "adc %%rbx, %%r11\n\t"
      "mov 16(%%rsi), %%rdx\n\t"
      "mulx %%rdx, %%rax, %%rbx\n\t"
      "adc %%rax, %%r12\n\t"
      "adc %%rbx, %%r13\n\t"
      "mov 24(%%rsi), %%rdx\n\t"
      "mulx %%rdx, %%rax, %%rbx\n\t"
      "adc %%rax, %%r14\n\t"
      "adc %%rbx, %%r15\n\t"
      FG_SM2_REDC_ASM
      : "+S"(ap)
      : "D"(r)
      : "rax", "rbx", "rcx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "cc",
        "memory");
}
/* r = a + b mod p and r = a − b mod p (a, b < p; result < p), inline x86-64 assembly (no
 * BMI2 needed): one carry chain, then a conditional subtraction (add) or addition (sub) of p
 * by CMOV / mask, no branch. r may alias a or b: every input limb is read before any store.
 * GCC's code for the C versions in sm2.c keeps the carries in flag-to-register round trips
 * and vectorises the masked select (57 and 28 instructions; these are 27 and 21). */
/* Each limb is its own memory operand ("m"(a[1]), not 8+%[a]): when the compiler places an
 * array at the stack pointer, %[a] expands to "(%rsp)" and "8+(%rsp)" makes the assembler warn
 * "missing operand; zero assumed" (the address came out right, but a warning-free build is the
 * check that no other operand is mis-parsed). */
static const uint64_t fg_sm2_p1 = 0xffffffff00000000ULL, fg_sm2_p3 = 0xfffffffeffffffffULL;
static inline __attribute__((always_inline)) void fg_sm2_add_asm(uint64_t r[4],
                                                                 const uint64_t a[4],
                                                                 const uint64_t b[4]) {
  uint64_t t0, t1, t2, t3, s0, s1, s2, s3, hi;
  __asm__("mov %[a0], %[t0]\n\t"
          "mov %[a1], %[t1]\n\t"
          "mov %[a2], %[t2]\n\t"
          "mov %[a3], %[t3]\n\t"
          "xor %k[hi], %k[hi]\n\t"
          "add %[b0], %[t0]\n\t"
          "adc %[b1], %[t1]\n\t"
          "adc %[b2], %[t2]\n\t"
          "adc %[b3], %[t3]\n\t"
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
          "mov %[s0], %[r0]\n\t"
          "mov %[s1], %[r1]\n\t"
          "mov %[s2], %[r2]\n\t"
          "mov %[s3], %[r3]"
          : [r0] "=m"(r[0]), [r1] "=m"(r[1]), [r2] "=m"(r[2]), [r3] "=m"(r[3]), [t0] "=&r"(t0),
            [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [s0] "=&r"(s0), [s1] "=&r"(s1),
            [s2] "=&r"(s2), [s3] "=&r"(s3), [hi] "=&r"(hi)
          : [a0] "m"(a[0]), [a1] "m"(a[1]), [a2] "m"(a[2]), [a3] "m"(a[3]), [b0] "m"(b[0]),
            [b1] "m"(b[1]), [b2] "m"(b[2]), [b3] "m"(b[3]), [p1] "m"(fg_sm2_p1),
            [p3] "m"(fg_sm2_p3)
          : "cc");
}
static inline __attribute__((always_inline)) void fg_sm2_sub_asm(uint64_t r[4],
                                                                 const uint64_t a[4],
                                                                 const uint64_t b[4]) {
  uint64_t t0, t1, t2, t3, m, s1, s3;
  __asm__("mov %[a0], %[t0]\n\t"
          "mov %[a1], %[t1]\n\t"
          "mov %[a2], %[t2]\n\t"
          "mov %[a3], %[t3]\n\t"
          "sub %[b0], %[t0]\n\t"
          "sbb %[b1], %[t1]\n\t"
          "sbb %[b2], %[t2]\n\t"
          "sbb %[b3], %[t3]\n\t"
          "sbb %[m], %[m]\n\t"
          "mov %[m], %[s1]\n\t"
          "and %[p1], %[s1]\n\t"
          "mov %[m], %[s3]\n\t"
          "and %[p3], %[s3]\n\t"
          "add %[m], %[t0]\n\t"
          "adc %[s1], %[t1]\n\t"
          "adc %[m], %[t2]\n\t"
          "adc %[s3], %[t3]\n\t"
          "mov %[t0], %[r0]\n\t"
          "mov %[t1], %[r1]\n\t"
          "mov %[t2], %[r2]\n\t"
          "mov %[t3], %[r3]"
          : [r0] "=m"(r[0]), [r1] "=m"(r[1]), [r2] "=m"(r[2]), [r3] "=m"(r[3]), [t0] "=&r"(t0),
            [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [m] "=&r"(m), [s1] "=&r"(s1),
            [s3] "=&r"(s3)
          : [a0] "m"(a[0]), [a1] "m"(a[1]), [a2] "m"(a[2]), [a3] "m"(a[3]), [b0] "m"(b[0]),
            [b1] "m"(b[1]), [b2] "m"(b[2]), [b3] "m"(b[3]), [p1] "m"(fg_sm2_p1),
            [p3] "m"(fg_sm2_p3)
          : "cc");
}
#endif

#endif
