/* SM3 (GM/T 0004-2012, GB/T 32905-2016) for the SM2-PSI hash to the curve, native/sm3.c. */
#ifndef FEDGRID_SM3_H
#define FEDGRID_SM3_H

#include <stddef.h>
#include <stdint.h>

/* Incremental SM3: init, update any number of times, final writes 32 bytes. */
typedef struct {
  uint32_t v[8];
  uint8_t buf[64];
  size_t buf_len;
  uint64_t total;
} fg_sm3_ctx;

void fg_sm3_init(fg_sm3_ctx *c);
void fg_sm3_update(fg_sm3_ctx *c, const uint8_t *data, size_t len);
void fg_sm3_final(fg_sm3_ctx *c, uint8_t out[32]);

#endif
