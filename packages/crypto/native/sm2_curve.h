/*
 * The curve layer of the portable SM2 kernel (sm2.c): exponentiation, lifting an x to a point,
 * Jacobian point formulas, the constant-time scalar multiplication and the batch drivers.
 * Included twice by sm2.c — once over the C field product (fe_mul / fe_sqr) and once over the
 * MULX/ADCX/ADOX inline-assembly one (sm2_mont_adx.h) — with FE_MUL, FE_SQR, FE_ADD, FE_SUB and SM2_FN (the name
 * suffix) defined by the includer. No include guard on purpose; not a public header.
 */
/* r = a^e for a public exponent e (4 little-endian limbs), 4-bit fixed window. */
INLINE void SM2_FN(fe_pow)(fe *r, const fe *a, const u64 e[4]) {
  fe t[16];
  t[0] = ONE;
  t[1] = *a;
  for (int i = 2; i < 16; i++) FE_MUL(&t[i], &t[i - 1], a);
  fe acc = ONE;
  for (int i = 63; i >= 0; i--) {
    unsigned d = (unsigned)(e[i / 16] >> (4 * (i % 16))) & 15;
    if (i != 63)
      for (int j = 0; j < 4; j++) FE_SQR(&acc, &acc);
    FE_MUL(&acc, &acc, &t[d]);
  }
  *r = acc;
}

/* r = a^(2^k) · b: k squarings, then one product (r may alias a or b). */
INLINE void SM2_FN(fe_sqr_n_mul)(fe *r, const fe *a, int k, const fe *b) {
  fe t = *a;
  for (int i = 0; i < k; i++) FE_SQR(&t, &t);
  FE_MUL(r, &t, b);
}

/* r = a^((p+1)/4), the square-root candidate for p ≡ 3 (mod 4), by an addition chain:
 * (p+1)/4 = 2^254 − 2^222 − 2^94 + 2^62 = (2^32 − 1)(2^160 − 1)·2^62, so with
 * e_k = a^(2^k − 1) (e_2k = e_k^(2^k)·e_k): z = e_32 (31 S + 5 M), f = z^(2^160 − 1) the same
 * way over z (159 S + 8 M), then 62 squarings — 252 S + 13 M against 252 S + 77 M for the
 * 4-bit window of fe_pow. The exponent is public, so the chain is fixed. */
INLINE void SM2_FN(fe_sqrt_cand)(fe *r, const fe *a) {
  fe e2, e4, e8, e16, z, f2, f4, f8, f16, f32, f64, f128, f160;
  SM2_FN(fe_sqr_n_mul)(&e2, a, 1, a);
  SM2_FN(fe_sqr_n_mul)(&e4, &e2, 2, &e2);
  SM2_FN(fe_sqr_n_mul)(&e8, &e4, 4, &e4);
  SM2_FN(fe_sqr_n_mul)(&e16, &e8, 8, &e8);
  SM2_FN(fe_sqr_n_mul)(&z, &e16, 16, &e16); /* a^(2^32 − 1) */
  SM2_FN(fe_sqr_n_mul)(&f2, &z, 1, &z);
  SM2_FN(fe_sqr_n_mul)(&f4, &f2, 2, &f2);
  SM2_FN(fe_sqr_n_mul)(&f8, &f4, 4, &f4);
  SM2_FN(fe_sqr_n_mul)(&f16, &f8, 8, &f8);
  SM2_FN(fe_sqr_n_mul)(&f32, &f16, 16, &f16);
  SM2_FN(fe_sqr_n_mul)(&f64, &f32, 32, &f32);
  SM2_FN(fe_sqr_n_mul)(&f128, &f64, 64, &f64);
  SM2_FN(fe_sqr_n_mul)(&f160, &f128, 32, &f32); /* z^(2^160 − 1) */
  fe t = f160;
  for (int i = 0; i < 62; i++) FE_SQR(&t, &t);
  *r = t;
}

INLINE void SM2_FN(fe_to_mont)(fe *r, const fe *a) { FE_MUL(r, a, &RR); }
INLINE void SM2_FN(fe_from_mont)(fe *r, const fe *a) {
  static const fe one_plain = {{1, 0, 0, 0}};
  FE_MUL(r, a, &one_plain);
}

/* Lifts a big-endian x: on success (x < p and x³ − 3x + b a square) sets (x, y) in Montgomery
 * form and returns 1; else returns 0. Runs in the same time for every x < p. */
INLINE int SM2_FN(lift_x)(fe *xm, fe *ym, const uint8_t *xbe) {
  fe x, rhs, t, y, y2;
  fe_from_be(&x, xbe);
  if (!lt4(x.v, P.v)) return 0;
  SM2_FN(fe_to_mont)(xm, &x);
  FE_SQR(&t, xm);
  FE_MUL(&rhs, &t, xm); /* x³ */
  FE_SUB(&rhs, &rhs, xm);
  FE_SUB(&rhs, &rhs, xm);
  FE_SUB(&rhs, &rhs, xm); /* x³ − 3x */
  FE_ADD(&rhs, &rhs, &BM);
  SM2_FN(fe_sqrt_cand)(&y, &rhs);
  FE_SQR(&y2, &y);
  FE_SUB(&t, &y2, &rhs);
  *ym = y;
  return (int)(fe_is_zero_mask(&t) & 1);
}

/* dbl-2001-b (a = −3): valid for every input; (X : Y : 0) stays at Z = 0. */
INLINE void SM2_FN(pt_dbl)(jpt *r, const jpt *p) {
  fe delta, gamma, beta, alpha, t1, t2;
  FE_SQR(&delta, &p->z);
  FE_SQR(&gamma, &p->y);
  FE_MUL(&beta, &p->x, &gamma);
  FE_SUB(&t1, &p->x, &delta);
  FE_ADD(&t2, &p->x, &delta);
  FE_MUL(&alpha, &t1, &t2);
  FE_ADD(&t1, &alpha, &alpha);
  FE_ADD(&alpha, &alpha, &t1); /* alpha = 3 (X − δ)(X + δ) */
  FE_ADD(&t1, &p->y, &p->z);
  FE_SQR(&t1, &t1);
  FE_SUB(&t1, &t1, &gamma);
  FE_SUB(&r->z, &t1, &delta); /* Z3 = (Y + Z)² − γ − δ (before X, Y: r may alias p) */
  FE_ADD(&t2, &beta, &beta);
  FE_ADD(&t2, &t2, &t2); /* 4β */
  FE_SQR(&t1, &alpha);
  FE_SUB(&t1, &t1, &t2);
  FE_SUB(&r->x, &t1, &t2); /* X3 = α² − 8β */
  FE_SUB(&t2, &t2, &r->x);
  FE_SQR(&gamma, &gamma);
  FE_ADD(&gamma, &gamma, &gamma);
  FE_ADD(&gamma, &gamma, &gamma);
  FE_ADD(&gamma, &gamma, &gamma); /* 8γ² */
  FE_MUL(&t2, &alpha, &t2);
  FE_SUB(&r->y, &t2, &gamma); /* Y3 = α (4β − X3) − 8γ² */
}

/* add-2007-bl: p + q for p ≠ ±q, neither O (the caller masks those cases). r may alias p.
 * *same = all-ones if H = U2 − U1 and R = S2 − S1 are both 0, i.e. p = q (both not O), where
 * the result is wrong (0 : 0 : 0) and the caller must use a doubling instead; else 0. */
INLINE void SM2_FN(pt_add)(jpt *r, const jpt *p, const jpt *q, u64 *same) {
  fe z1z1, z2z2, u1, u2, s1, s2, h, i, j, rr, v, t;
  FE_SQR(&z1z1, &p->z);
  FE_SQR(&z2z2, &q->z);
  FE_MUL(&u1, &p->x, &z2z2);
  FE_MUL(&u2, &q->x, &z1z1);
  FE_MUL(&s1, &p->y, &q->z);
  FE_MUL(&s1, &s1, &z2z2);
  FE_MUL(&s2, &q->y, &p->z);
  FE_MUL(&s2, &s2, &z1z1);
  FE_SUB(&h, &u2, &u1);
  FE_ADD(&i, &h, &h);
  FE_SQR(&i, &i);
  FE_MUL(&j, &h, &i);
  FE_SUB(&rr, &s2, &s1);
  *same = fe_is_zero_mask(&h) & fe_is_zero_mask(&rr);
  FE_ADD(&rr, &rr, &rr);
  FE_MUL(&v, &u1, &i);
  FE_ADD(&t, &p->z, &q->z);
  FE_SQR(&t, &t);
  FE_SUB(&t, &t, &z1z1);
  FE_SUB(&t, &t, &z2z2);
  FE_MUL(&r->z, &t, &h);
  FE_SQR(&t, &rr);
  FE_SUB(&t, &t, &j);
  FE_SUB(&t, &t, &v);
  FE_SUB(&r->x, &t, &v);
  FE_SUB(&t, &v, &r->x);
  FE_MUL(&t, &rr, &t);
  FE_MUL(&s1, &s1, &j);
  FE_ADD(&s1, &s1, &s1);
  FE_SUB(&r->y, &t, &s1);
}

/* madd-2007-bl: p + (qx, qy, 1) for p ≠ ±q, p ≠ O. r may alias p. */
INLINE void SM2_FN(pt_madd)(jpt *r, const jpt *p, const fe *qx, const fe *qy) {
  fe z1z1, u2, s2, h, hh, i, j, rr, v, t;
  FE_SQR(&z1z1, &p->z);
  FE_MUL(&u2, qx, &z1z1);
  FE_MUL(&s2, qy, &p->z);
  FE_MUL(&s2, &s2, &z1z1);
  FE_SUB(&h, &u2, &p->x);
  FE_SQR(&hh, &h);
  FE_ADD(&i, &hh, &hh);
  FE_ADD(&i, &i, &i);
  FE_MUL(&j, &h, &i);
  FE_SUB(&rr, &s2, &p->y);
  FE_ADD(&rr, &rr, &rr);
  FE_MUL(&v, &p->x, &i);
  FE_ADD(&t, &p->z, &h);
  FE_SQR(&t, &t);
  FE_SUB(&t, &t, &z1z1);
  FE_SUB(&r->z, &t, &hh);
  FE_SQR(&t, &rr);
  FE_SUB(&t, &t, &j);
  FE_SUB(&t, &t, &v);
  FE_SUB(&r->x, &t, &v);
  FE_SUB(&t, &v, &r->x);
  FE_MUL(&t, &rr, &t);
  FE_MUL(&s2, &p->y, &j);
  FE_ADD(&s2, &s2, &s2);
  FE_SUB(&r->y, &t, &s2);
}

/* 6 bits of the 4-limb k starting at bit pos (pos may be −1: bit −1 reads as 0; bits ≥ 256
 * read as 0). pos is public, so the branches depend on the window index only. */
INLINE unsigned SM2_FN(scalar_bits6)(const u64 k[4], int pos) {
  if (pos < 0) return (unsigned)(k[0] << 1) & 63;
  int limb = pos / 64, off = pos % 64;
  u64 w = k[limb] >> off;
  if (off > 58 && limb < 3) w |= k[limb + 1] << (64 - off);
  return (unsigned)w & 63;
}

/* r = k·(x, y) in Jacobian coordinates; k as 4 little-endian limbs in [1, n−1].
 * Signed (Booth-recoded) 5-bit windows, as in OpenSSL's ecp_nistz256: window i (0…51) reads
 * bits 5i−1 … 5i+4 and gives a digit d_i ∈ [−16, 16] with k = Σ d_i·32^i (the top window
 * holds bits 254, 255 and is never negative). Table T[j] = (j + 1)·P, j = 0…15; each window does
 * 5 doublings and one addition of ±T[|d| − 1], read by scanning all 16 entries with masks and
 * negating Y by mask (−(X : Y : Z) = (X : −Y : Z)); d = 0 and "accumulator still O" are
 * resolved by masked selection as before. Exceptional additions: before window i < 51 the
 * accumulator is k_i·32·P with 0 ≤ k_i·32 < n − 16 as an integer, so it is ±d_i·P only when
 * k_i = 0 (the masked "still O" case). In the last window k_0·32 = k − d_0 may exceed n: it
 * is ≡ d_0 when k = n + 2·d_0 (n ≡ 3 mod 32 forces d_0 = −3: k = n − 6), so there the addition
 * is also computed as a doubling of T and selected by the "same point" mask of pt_add; the
 * ≡ −d_0 case would mean k ≡ 0. Same operations and addresses for every scalar. */
INLINE void SM2_FN(scalar_mul)(jpt *r, const u64 k[4], const fe *x, const fe *y) {
  static const fe fe_zero = {{0, 0, 0, 0}};
  jpt t[16];
  t[0].x = *x;
  t[0].y = *y;
  t[0].z = ONE;
  SM2_FN(pt_dbl)(&t[1], &t[0]);
  for (int i = 2; i < 16; i++) SM2_FN(pt_madd)(&t[i], &t[i - 1], x, y);

  jpt acc, sel, sum, dbl;
  fe negy;
  u64 acc_inf = 0, same;
  for (int w = 51; w >= 0; w--) {
    unsigned in = SM2_FN(scalar_bits6)(k, 5 * w - 1);
    /* Booth recoding: s = all-ones if the window's top bit is set (digit −(63 − in + 1)/2) */
    unsigned s = ~((in >> 5) - 1);
    unsigned d = (63u - in) & s;
    d |= in & ~s;
    d = (d >> 1) + (d & 1);
    u64 neg = (u64)0 - (u64)(s & 1);
    pt_scan16(&sel, t, d);
    FE_SUB(&negy, &fe_zero, &sel.y);
    fe_select(&sel.y, &negy, neg);
    u64 dz = eq_mask(d, 0);
    if (w == 51) {
      acc = sel;
      acc_inf = dz;
      continue;
    }
    for (int j = 0; j < 5; j++) SM2_FN(pt_dbl)(&acc, &acc);
    SM2_FN(pt_add)(&sum, &acc, &sel, &same);
    if (w == 0) { /* public: the last window only */
      SM2_FN(pt_dbl)(&dbl, &sel);
      pt_select(&sum, &dbl, same);
    }
    /* acc = acc_inf ? sel : (d == 0 ? acc : sum) */
    pt_select(&acc, &sum, ~dz & ~acc_inf);
    pt_select(&acc, &sel, acc_inf);
    acc_inf &= dz;
  }
  *r = acc;
  /* wipe the secret-dependent table and selections */
  memset(t, 0, sizeof t);
  memset(&sel, 0, sizeof sel);
  memset(&sum, 0, sizeof sum);
  memset(&dbl, 0, sizeof dbl);
  __asm__ __volatile__("" : : "r"(t), "r"(&sel), "r"(&sum), "r"(&dbl) : "memory");
}

/* The portable batch: out[i] = x(k · P_i) for the big-endian xs, groups of GROUP sharing one
 * inversion; returns −1 or the index of the first x that is not a curve x-coordinate. */
INLINE long SM2_FN(portable_mul_x_impl)(const u64 k[4], const uint8_t *xs, uint8_t *out, size_t n) {
  long bad = -1;
  jpt res[GROUP];
  fe prefix[GROUP];
  for (size_t g = 0; g < n && bad < 0; g += GROUP) {
    size_t m = n - g < GROUP ? n - g : GROUP;
    for (size_t i = 0; i < m; i++) {
      fe x, y;
      if (!SM2_FN(lift_x)(&x, &y, xs + SM2_LEN * (g + i))) {
        bad = (long)(g + i);
        break;
      }
      SM2_FN(scalar_mul)(&res[i], k, &x, &y);
    }
    if (bad >= 0) break;
    /* simultaneous inversion of the Z's (never 0: 1 ≤ k < n and P ≠ O of prime order n) */
    prefix[0] = res[0].z;
    for (size_t i = 1; i < m; i++) FE_MUL(&prefix[i], &prefix[i - 1], &res[i].z);
    fe inv;
    SM2_FN(fe_pow)(&inv, &prefix[m - 1], E_INV);
    for (size_t i = m; i-- > 0;) {
      fe zi, zi2, xa, xo;
      if (i > 0) {
        FE_MUL(&zi, &inv, &prefix[i - 1]);
        FE_MUL(&inv, &inv, &res[i].z);
      } else {
        zi = inv;
      }
      FE_SQR(&zi2, &zi);
      FE_MUL(&xa, &res[i].x, &zi2);
      SM2_FN(fe_from_mont)(&xo, &xa);
      fe_to_be(out + SM2_LEN * (g + i), &xo);
    }
  }
  memset(res, 0, sizeof res);
  __asm__ __volatile__("" : : "r"(res) : "memory");
  return bad;
}

INLINE void SM2_FN(portable_on_curve_impl)(const uint8_t *xs, uint8_t *flags, size_t n) {
  for (size_t i = 0; i < n; i++) {
    fe x, y;
    flags[i] = (uint8_t)SM2_FN(lift_x)(&x, &y, xs + SM2_LEN * i);
  }
}
