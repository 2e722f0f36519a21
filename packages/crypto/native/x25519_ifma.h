/*
 * 8-lane AVX-512 IFMA X25519 kernel (native/x25519_ifma.c). Plain C interface, no N-API:
 * the N-API glue, argument checking and backend dispatch live in native/x25519.c.
 */
#ifndef FEDGRID_X25519_IFMA_H
#define FEDGRID_X25519_IFMA_H

#include <stddef.h>
#include <stdint.h>

/* The kernel exists on x86-64 with GCC or Clang only (elsewhere x25519.c uses OpenSSL). */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FG_X25519_IFMA_KERNEL 1

/*
 * out[32*i .. 32*i+31] = X25519(scalar, points[32*i .. 32*i+31]) for i < n, per RFC 7748 §5:
 * the scalar is clamped, bit 255 of every u is ignored, non-canonical u (>= p) are accepted,
 * the output is canonical little-endian. A low-order point gives 32 zero bytes (no error).
 *
 * Only call when the CPU supports AVX-512F/VL and AVX-512 IFMA (and the OS saves ZMM state),
 * e.g. __builtin_cpu_supports("avx512ifma"). Thread-safe (stack state only). Constant-time
 * with respect to the scalar and the points. `points` and `out` must either be the same
 * buffer or not overlap; `scalar` may overlap anything (it is copied first).
 */
void fg_x25519_ifma_batch(const uint8_t scalar[32], const uint8_t *points, uint8_t *out,
                          size_t n);

#endif /* FG_X25519_IFMA_KERNEL */

#endif
