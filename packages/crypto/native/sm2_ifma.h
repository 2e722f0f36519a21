/*
 * 8-lane AVX-512 IFMA SM2 x-only kernel (native/sm2_ifma.c). Plain C interface, no N-API: the
 * N-API glue, argument checking and backend dispatch live in native/sm2.c.
 */
#ifndef FEDGRID_SM2_IFMA_H
#define FEDGRID_SM2_IFMA_H

#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FG_SM2_IFMA_KERNEL 1

/*
 * out[32 i ..] = x(k · P_i) (big-endian) for the big-endian x-coordinates xs[32 i ..], i < n;
 * k as 4 little-endian 64-bit limbs in [1, n−1] (checked by the caller). Returns −1, or the
 * index of the first x that is ≥ p or not a curve x-coordinate (outputs are then partial).
 * Only call when the CPU has AVX-512F/VL and IFMA. Thread-safe (stack state only);
 * constant-time with respect to k. `out` may equal `xs` (each group of 8 is read first).
 */
long fg_sm2_ifma_mul_x(const uint64_t k[4], const uint8_t *xs, uint8_t *out, size_t n);

/* flags[i] = 1 if xs[32 i ..] (big-endian) is < p and a curve x-coordinate, else 0. */
void fg_sm2_ifma_on_curve(const uint8_t *xs, uint8_t *flags, size_t n);

#endif /* FG_SM2_IFMA_KERNEL */

#endif
