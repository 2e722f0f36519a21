/*
 * SM3 hash (GM/T 0004-2012 §5; GB/T 32905-2016), written from the standard's description:
 * Merkle–Damgård with SHA-256-style padding, 64 rounds over 68 + 64 expanded words. Used by the
 * SM2-PSI hash to the curve (sm2.c) so that hashing a batch of ids does not cross into
 * JavaScript per candidate; its output is checked against node:crypto's SM3 in the tests.
 */
#include "sm3.h"

#include <string.h>

static const uint32_t IV[8] = {0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600,
                               0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e};

static inline uint32_t rotl(uint32_t x, unsigned n) {
  n &= 31;
  return n ? (x << n) | (x >> (32 - n)) : x;
}
static inline uint32_t p0(uint32_t x) { return x ^ rotl(x, 9) ^ rotl(x, 17); }
static inline uint32_t p1(uint32_t x) { return x ^ rotl(x, 15) ^ rotl(x, 23); }

static void compress(uint32_t v[8], const uint8_t block[64]) {
  uint32_t w[68], w1[64];
  for (int j = 0; j < 16; j++)
    w[j] = (uint32_t)block[4 * j] << 24 | (uint32_t)block[4 * j + 1] << 16 |
           (uint32_t)block[4 * j + 2] << 8 | block[4 * j + 3];
  for (int j = 16; j < 68; j++)
    w[j] = p1(w[j - 16] ^ w[j - 9] ^ rotl(w[j - 3], 15)) ^ rotl(w[j - 13], 7) ^ w[j - 6];
  for (int j = 0; j < 64; j++) w1[j] = w[j] ^ w[j + 4];
  uint32_t a = v[0], b = v[1], c = v[2], d = v[3], e = v[4], f = v[5], g = v[6], h = v[7];
  for (int j = 0; j < 64; j++) {
    uint32_t t = j < 16 ? 0x79cc4519u : 0x7a879d8au;
    uint32_t a12 = rotl(a, 12);
    uint32_t ss1 = rotl(a12 + e + rotl(t, (unsigned)j), 7);
    uint32_t ss2 = ss1 ^ a12;
    uint32_t ff = j < 16 ? a ^ b ^ c : (a & b) | (a & c) | (b & c);
    uint32_t gg = j < 16 ? e ^ f ^ g : (e & f) | (~e & g);
    uint32_t tt1 = ff + d + ss2 + w1[j];
    uint32_t tt2 = gg + h + ss1 + w[j];
    d = c;
    c = rotl(b, 9);
    b = a;
    a = tt1;
    h = g;
    g = rotl(f, 19);
    f = e;
    e = p0(tt2);
  }
  v[0] ^= a;
  v[1] ^= b;
  v[2] ^= c;
  v[3] ^= d;
  v[4] ^= e;
  v[5] ^= f;
  v[6] ^= g;
  v[7] ^= h;
}

void fg_sm3_init(fg_sm3_ctx *c) {
  memcpy(c->v, IV, sizeof IV);
  c->buf_len = 0;
  c->total = 0;
}

void fg_sm3_update(fg_sm3_ctx *c, const uint8_t *data, size_t len) {
  c->total += len;
  if (c->buf_len) {
    size_t take = 64 - c->buf_len < len ? 64 - c->buf_len : len;
    memcpy(c->buf + c->buf_len, data, take);
    c->buf_len += take;
    data += take;
    len -= take;
    if (c->buf_len < 64) return;
    compress(c->v, c->buf);
    c->buf_len = 0;
  }
  for (; len >= 64; data += 64, len -= 64) compress(c->v, data);
  memcpy(c->buf, data, len);
  c->buf_len = len;
}

void fg_sm3_final(fg_sm3_ctx *c, uint8_t out[32]) {
  uint64_t bits = c->total * 8;
  uint8_t pad[72] = {0x80};
  size_t padlen = (c->buf_len < 56 ? 56 : 120) - c->buf_len;
  uint8_t len[8];
  for (int i = 0; i < 8; i++) len[i] = (uint8_t)(bits >> (56 - 8 * i));
  fg_sm3_update(c, pad, padlen);
  fg_sm3_update(c, len, 8);
  for (int i = 0; i < 8; i++) {
    out[4 * i] = (uint8_t)(c->v[i] >> 24);
    out[4 * i + 1] = (uint8_t)(c->v[i] >> 16);
    out[4 * i + 2] = (uint8_t)(c->v[i] >> 8);
    out[4 * i + 3] = (uint8_t)c->v[i];
  }
}
