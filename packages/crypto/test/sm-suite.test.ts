/**
 * The SM suite against the standards' sample vectors: SM3 (GM/T 0004-2012 appendix A), SM4
 * (GB/T 32907-2016 appendix A), SM2 signature with the fixed k of GM/T 0003.2-2012 appendix A
 * (example curve Fp-256, ID ALICE123@YAHOO.COM); and, on the recommended curve, cross-checks
 * against OpenSSL (node:crypto), an implementation independent of ours: OpenSSL's SM2 signatures
 * (which use an empty ID) verify under ours with that ID and vice versa, and OpenSSL's SM2 ECDH
 * agrees with @noble/curves' arithmetic.
 */
import {
  createCipheriv,
  createECDH,
  createHash,
  createPrivateKey,
  createPublicKey,
  sign,
  verify,
} from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  bigToBytes,
  bytesToBig,
  generateSm2Scalar,
  hmacSm3,
  isSm2X,
  SM2_DEFAULT_USER_ID,
  SM2_P256,
  sm2CheckConfirmation,
  sm2CurveFromParams,
  sm2Decrypt,
  sm2Encrypt,
  sm2Ephemeral,
  sm2ExchangeInitiator,
  sm2ExchangeResponder,
  sm2GenerateKeyPair,
  sm2HashToX,
  sm2MultiplyX,
  sm2PublicKeyFromPrivate,
  sm2Sign,
  sm2SignatureFromDer,
  sm2SignatureToDer,
  sm2Verify,
  sm2Za,
  sm3,
  sm3Kdf,
  sm4DecryptBlocks,
  sm4EncryptBlocks,
  sm4Open,
  sm4Seal,
  type Sm2KeyPair,
} from '@fedgrid/crypto';
import { sm2SignDigestWithK } from '../src/sm/sm2-sign.js';
import { sm2EncryptWithK } from '../src/sm/sm2-encrypt.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const big = (s: string): bigint => BigInt('0x' + s.replace(/\s+/g, ''));
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('SM3 (GM/T 0004-2012 appendix A)', () => {
  it('example 1: "abc"', () => {
    expect(toHex(sm3('abc'))).toBe(
      '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
    );
  });
  it('example 2: "abcd" × 16', () => {
    expect(toHex(sm3('abcd'.repeat(16)))).toBe(
      'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732',
    );
  });
  it('HMAC-SM3 is RFC 2104 over SM3 (64-byte block)', () => {
    const key = utf8('key');
    const block = new Uint8Array(64);
    block.set(key);
    const ipad = block.map((v) => v ^ 0x36);
    const opad = block.map((v) => v ^ 0x5c);
    const msg = utf8('The quick brown fox');
    expect(toHex(hmacSm3(key, msg))).toBe(toHex(sm3(opad, sm3(ipad, msg))));
  });
  it('KDF: SM3(Z ‖ ct) with a 32-bit counter from 1, truncated', () => {
    const z = utf8('shared secret');
    const k = sm3Kdf(z, 70);
    const expected = Buffer.concat(
      [1, 2, 3].map((c) => sm3(z, hex(c.toString(16).padStart(8, '0')))),
    );
    expect(toHex(k)).toBe(expected.subarray(0, 70).toString('hex'));
    expect(() => sm3Kdf(z, -1)).toThrow(RangeError);
  });
});

describe('SM4 (GB/T 32907-2016 appendix A)', () => {
  const key = hex('0123456789abcdeffedcba9876543210');
  it('example 1: one encryption', () => {
    const ct = sm4EncryptBlocks(key, key);
    expect(toHex(ct)).toBe('681edf34d206965e86b3e94f536e4246');
    expect(toHex(sm4DecryptBlocks(key, ct))).toBe(toHex(key));
  });
  it('example 2: 1,000,000 chained encryptions', () => {
    // One SM4 cipher applied block after block (ECB, one block per call) is the chain.
    const cipher = createCipheriv('sm4-ecb', key, null).setAutoPadding(false);
    let block: Buffer = Buffer.from(key);
    for (let i = 0; i < 1_000_000; i++) block = cipher.update(block);
    expect(block.toString('hex')).toBe('595298c7c6fd271f0402f804c33d3f66');
    expect(toHex(sm4EncryptBlocks(key, key))).toBe(
      toHex(new Uint8Array(createCipheriv('sm4-ecb', key, null).setAutoPadding(false).update(key))),
    );
  });
  it('sealing round-trips and binds key, AAD and every byte', () => {
    const k = new Uint8Array(32).map((_, i) => i);
    const msg = utf8('model parameters');
    const aad = utf8('job-1/task-2');
    const sealed = sm4Seal(k, msg, aad);
    expect(sealed.length).toBe(msg.length + 48);
    expect(toHex(sm4Open(k, sealed, aad))).toBe(toHex(msg));
    // fresh counter block each time
    expect(toHex(sm4Seal(k, msg, aad))).not.toBe(toHex(sealed));
    // the ciphertext is not the plaintext
    expect(Buffer.from(sealed).includes(Buffer.from(msg))).toBe(false);
    for (let i = 0; i < sealed.length; i++) {
      const bad = sealed.slice();
      bad[i]! ^= 1;
      expect(() => sm4Open(k, bad, aad)).toThrow(/failed authentication/);
    }
    expect(() => sm4Open(k, sealed, utf8('job-1/task-3'))).toThrow(/failed authentication/);
    const k2 = k.slice();
    k2[31]! ^= 1;
    expect(() => sm4Open(k2, sealed, aad)).toThrow(/failed authentication/);
    expect(() => sm4Open(k, sealed.subarray(0, 47))).toThrow(RangeError);
    expect(() => sm4Seal(k.subarray(0, 16), msg)).toThrow(/32 bytes/);
  });
  it('sealing uses SM4-CTR under the first 16 key bytes', () => {
    const k = new Uint8Array(32).map((_, i) => 7 * i);
    const msg = new Uint8Array(16);
    const sealed = sm4Seal(k, msg);
    // CTR with a zero plaintext block reveals E(k, counter block)
    expect(toHex(sealed.subarray(16, 32))).toBe(
      toHex(sm4EncryptBlocks(k.subarray(0, 16), sealed.subarray(0, 16))),
    );
  });
});

/** GM/T 0003.2-2012 appendix A.2: example curve Fp-256 and the fixed-k signature. */
const EXAMPLE_FP256 = sm2CurveFromParams({
  p: big('8542D69E 4C044F18 E8B92435 BF6FF7DE 45728391 5C45517D 722EDB8B 08F1DFC3'),
  a: big('787968B4 FA32C3FD 2417842E 73BBFEFF 2F3C848B 6831D7E0 EC65228B 3937E498'),
  b: big('63E4C6D3 B23B0C84 9CF84241 484BFE48 F61D59A5 B16BA06E 6E12D1DA 27C5249A'),
  Gx: big('421DEBD6 1B62EAB6 746434EB C3CC315E 32220B3B ADD50BDC 4C4E6C14 7FEDD43D'),
  Gy: big('0680512B CBB42C07 D47349D2 153B70C4 E5D7FDFC BFA36EA1 A85841B9 E46E09A2'),
  n: big('8542D69E 4C044F18 E8B92435 BF6FF7DD 29772063 0485628D 5AE74EE7 C32E79B7'),
});

describe('SM2 signature (GM/T 0003.2-2012)', () => {
  const dA = hex('128B2FA8 BD433C6C 068C8D80 3DFF7979 2A519A55 171B1B65 0C23661D 15897263');
  const id = 'ALICE123@YAHOO.COM';
  const msg = utf8('message digest');
  const r = '40F1EC59 F793D9F4 9E09DCEF 49130D41 94F79FB1 EED2CAA5 5BACDB49 C4E755D1';
  const s = '6FC6DAC3 2C5D5CF1 0C77DFB2 0F7C2EB6 67A45787 2FB09EC5 6327A67E C7DEEBE7';

  it('appendix A.2: public key, ZA and the signature with the fixed k', () => {
    const pub = sm2PublicKeyFromPrivate(dA, EXAMPLE_FP256);
    expect(toHex(pub)).toBe(
      '04' +
        '0AE4C7798AA0F119471BEE11825BE46202BB79E2A5844495E97C04FF4DF2548A'.toLowerCase() +
        '7C0240F88F1CD4E16352A73C17B7F16F07353E53A176D684A9FE0C6BB798E857'.toLowerCase(),
    );
    const za = sm2Za(EXAMPLE_FP256.Point.fromBytes(pub), id, EXAMPLE_FP256);
    expect(toHex(za)).toBe(
      'F4A38489E32B45B6F876E3AC2168CA392362DC8F23459C1D1146FC3DBFB7BC9A'.toLowerCase(),
    );
    const e = bytesToBig(sm3(za, msg));
    const k = big('6CB28D99 385C175C 94F94E93 4817663F C176D925 DD72B727 260DBAAE 1FB2F96F');
    const sig = sm2SignDigestWithK(EXAMPLE_FP256, bytesToBig(dA), e, k);
    expect(toHex(sig!)).toBe((r + s).replace(/\s+/g, '').toLowerCase());
  });

  it('appendix A.2: the published signature verifies, and fails for any change', () => {
    const pub = sm2PublicKeyFromPrivate(dA, EXAMPLE_FP256);
    const sig = hex(r + s);
    expect(sm2Verify(pub, msg, sig, { id }, EXAMPLE_FP256)).toBe(true);
    expect(sm2Verify(pub, utf8('message digesT'), sig, { id }, EXAMPLE_FP256)).toBe(false);
    expect(sm2Verify(pub, msg, sig, { id: 'ALICE123@YAHOO.CON' }, EXAMPLE_FP256)).toBe(false);
    expect(sm2Verify(pub, msg, sig, {}, EXAMPLE_FP256)).toBe(false);
    const bad = sig.slice();
    bad[63]! ^= 1;
    expect(sm2Verify(pub, msg, bad, { id }, EXAMPLE_FP256)).toBe(false);
  });

  it('recommended curve, default ID: sign/verify round trip, random k, DER form', () => {
    const kp = sm2GenerateKeyPair();
    expect(toHex(sm2PublicKeyFromPrivate(kp.privateKey))).toBe(toHex(kp.publicKey));
    const m = utf8('control-plane request body');
    const s1 = sm2Sign(kp.privateKey, m);
    const s2 = sm2Sign(kp.privateKey, m);
    expect(toHex(s1)).not.toBe(toHex(s2));
    expect(sm2Verify(kp.publicKey, m, s1)).toBe(true);
    expect(sm2Verify(kp.publicKey, m, s1, { id: SM2_DEFAULT_USER_ID })).toBe(true);
    expect(sm2Verify(kp.publicKey, m, s1, { id: 'someone else' })).toBe(false);
    expect(sm2Verify(sm2GenerateKeyPair().publicKey, m, s1)).toBe(false);
    expect(sm2Verify(kp.publicKey, m, s1.subarray(0, 63))).toBe(false);
    expect(sm2Verify(kp.publicKey, m, new Uint8Array(64))).toBe(false);
    expect(toHex(sm2SignatureFromDer(sm2SignatureToDer(s1)))).toBe(toHex(s1));
    expect(() => sm2Verify(new Uint8Array(65), m, s1)).toThrow(RangeError);
    expect(() => sm2Sign(new Uint8Array(32), m)).toThrow(/out of range/);
    expect(() => sm2SignatureFromDer(hex('3003020101'))).toThrow(RangeError);
  });

  const SPKI_PREFIX = hex('3059301306072a8648ce3d020106082a811ccf5501822d034200');
  const PKCS8_PREFIX = hex(
    '308187020100301306072a8648ce3d020106082a811ccf5501822d046d306b0201010420',
  );

  it('interoperates with OpenSSL (empty ID, the only one node:crypto uses)', () => {
    const kp: Sm2KeyPair = sm2GenerateKeyPair();
    const spki = createPublicKey({
      key: Buffer.concat([SPKI_PREFIX, kp.publicKey]),
      format: 'der',
      type: 'spki',
    });
    const pkcs8 = Buffer.concat([PKCS8_PREFIX, kp.privateKey, hex('a144034200'), kp.publicKey]);
    const priv = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    const m = utf8('interop');
    const theirs = sm2SignatureFromDer(sign(null, m, priv));
    expect(sm2Verify(kp.publicKey, m, theirs, { id: '' })).toBe(true);
    expect(sm2Verify(kp.publicKey, m, theirs)).toBe(false); // default ID differs from OpenSSL's
    const ours = sm2Sign(kp.privateKey, m, { id: '' });
    expect(verify(null, m, spki, sm2SignatureToDer(ours))).toBe(true);
    expect(verify(null, utf8('interpo'), spki, sm2SignatureToDer(ours))).toBe(false);
  });
});

describe('SM2 key exchange (GM/T 0003.3-2012)', () => {
  const alice = { ...sm2GenerateKeyPair(), id: 'ALICE123@YAHOO.COM' };
  const bob = { ...sm2GenerateKeyPair(), id: 'BILL456@YAHOO.COM' };

  function run(bobSeenBy: typeof bob = bob) {
    const ea = sm2Ephemeral();
    const eb = sm2Ephemeral();
    const b = sm2ExchangeResponder({
      self: bob,
      peer: alice,
      ephemeral: eb,
      peerEphemeral: ea.point,
      keyBytes: 16,
    });
    const a = sm2ExchangeInitiator({
      self: alice,
      peer: bobSeenBy,
      ephemeral: ea,
      peerEphemeral: eb.point,
      keyBytes: 16,
    });
    return { a, b };
  }

  it('both sides derive the same key and confirm each other', () => {
    const { a, b } = run();
    expect(a.key.length).toBe(16);
    expect(toHex(a.key)).toBe(toHex(b.key));
    sm2CheckConfirmation(a.expectedConfirmation, b.confirmation);
    sm2CheckConfirmation(b.expectedConfirmation, a.confirmation);
    expect(toHex(run().a.key)).not.toBe(toHex(a.key)); // fresh ephemerals, fresh key
  });

  it('a wrong peer identity gives a different key and a failed confirmation', () => {
    const { a, b } = run({ ...bob, id: 'MALLORY' });
    expect(toHex(a.key)).not.toBe(toHex(b.key));
    expect(() => sm2CheckConfirmation(a.expectedConfirmation, b.confirmation)).toThrow(
      /confirmation mismatch/,
    );
    const other = run({ ...sm2GenerateKeyPair(), id: bob.id });
    expect(toHex(other.a.key)).not.toBe(toHex(other.b.key));
  });

  it('rejects a peer ephemeral that is not a curve point', () => {
    const ea = sm2Ephemeral();
    const bad = ea.point.slice();
    bad[64]! ^= 1;
    expect(() =>
      sm2ExchangeResponder({
        self: bob,
        peer: alice,
        ephemeral: sm2Ephemeral(),
        peerEphemeral: bad,
        keyBytes: 16,
      }),
    ).toThrow(/peer ephemeral point/);
  });
});

describe('ECDH on the SM2 curve for PSI (node:crypto vs @noble/curves)', () => {
  it('hashes ids to curve x-coordinates deterministically with SM3 try-and-increment', () => {
    const ids = ['alice', 'bob', '张三', ''];
    const xs = sm2HashToX(ids);
    expect(toHex(sm2HashToX(ids))).toBe(toHex(xs));
    for (let i = 0; i < ids.length; i++) {
      const x = xs.subarray(i * 32, i * 32 + 32);
      expect(isSm2X(bytesToBig(x))).toBe(true);
      // the decoder of an independent implementation accepts it as a point
      expect(() => SM2_P256.Point.fromBytes(Uint8Array.of(2, ...x)).assertValidity()).not.toThrow();
    }
    // counter 0 is the first try: where it is a valid x, it is the answer
    const first =
      bytesToBig(
        createHash('sm3')
          .update('FedGrid-PSI-SM2-SM3-TAI-v1')
          .update(hex('00000000'))
          .update('alice')
          .digest(),
      ) % SM2_P256.p;
    if (isSm2X(first)) expect(toHex(xs.subarray(0, 32))).toBe(toHex(bigToBytes(first, 32)));
    expect(() => sm2HashToX(['\uD800'])).toThrow(/well-formed/);
  });

  it('x-only multiplication matches the group law, and commutes', () => {
    const xs = sm2HashToX(['a', 'b', 'c']);
    const ka = generateSm2Scalar();
    const kb = generateSm2Scalar();
    const once = sm2MultiplyX(ka, xs);
    for (let i = 0; i < 3; i++) {
      const P = SM2_P256.Point.fromBytes(Uint8Array.of(2, ...xs.subarray(i * 32, i * 32 + 32)));
      const ref = P.multiply(bytesToBig(ka)).toAffine().x;
      expect(toHex(once.subarray(i * 32, i * 32 + 32))).toBe(toHex(bigToBytes(ref, 32)));
    }
    expect(toHex(sm2MultiplyX(kb, once))).toBe(toHex(sm2MultiplyX(ka, sm2MultiplyX(kb, xs))));
  });

  it('rejects an x that is not on the curve, naming it', () => {
    let x = 5n;
    while (isSm2X(x)) x++;
    const xs = new Uint8Array(64);
    xs.set(sm2HashToX(['ok']));
    xs.set(bigToBytes(x, 32), 32);
    expect(() => sm2MultiplyX(generateSm2Scalar(), xs)).toThrow(/#1 is not on the SM2 curve/);
    expect(() => sm2MultiplyX(new Uint8Array(32), xs)).toThrow(/out of range/);
  });

  it('node:crypto SM2 ECDH agrees with noble on a full key pair', () => {
    const e = createECDH('SM2');
    e.generateKeys();
    const k = generateSm2Scalar();
    const x = sm2MultiplyX(k, new Uint8Array(e.getPublicKey().subarray(1, 33)));
    const ref = SM2_P256.Point.fromBytes(new Uint8Array(e.getPublicKey())).multiply(bytesToBig(k));
    expect(toHex(x)).toBe(toHex(bigToBytes(ref.toAffine().x, 32)));
  });
});

describe('SM2 encryption (GM/T 0003.4-2012)', () => {
  it('appendix A.2 (example curve Fp-256): public key and the ciphertext with the fixed k', () => {
    const dB = hex('1649AB77 A00637BD 5E2EFE28 3FBF3535 34AA7F7C B89463F2 08DDBC29 20BB0DA0');
    const pub = sm2PublicKeyFromPrivate(dB, EXAMPLE_FP256);
    expect(toHex(pub)).toBe(
      (
        '04' +
        '435B39CCA8F3B508C1488AFC67BE491A0F7BA07E581A0E4849A5CF70628A7E0A' +
        '75DDBA78F15FEECB4C7895E2C1CDF5FE01DEBB2CDBADF45399CCF77BBA076A42'
      ).toLowerCase(),
    );
    const k = big('4C62EEFD 6ECFC2B9 5B92FD6C 3D957514 8AFA1742 5546D490 18E5388D 49DD7B4F');
    const msg = utf8('encryption standard');
    const c = sm2EncryptWithK(EXAMPLE_FP256, pub, msg, k)!;
    const c1 =
      '04' +
      '245C26FB68B1DDDDB12C4B6BF9F2B6D5FE60A383B0D18D1C4144ABF17F6252E7' +
      '76CB9264C2A7E88E52B19903FDC47378F605E36811F5C07423A24B84400F01B8';
    const c3 = '9C3D7360C30156FAB7C80A0276712DA9D8094A634B766D3A285E07480653426D';
    const c2 = '650053A89B41C418B0C3AAD00D886C00286467';
    expect(toHex(c)).toBe((c1 + c3 + c2).toLowerCase());
    expect(Buffer.from(sm2Decrypt(dB, c, EXAMPLE_FP256)).toString()).toBe('encryption standard');
  });

  it('recommended curve: round trip, fresh each time, wrong key or any altered byte refused', () => {
    const kp = sm2GenerateKeyPair();
    const msg = utf8('an SM4 session key, say');
    const c = sm2Encrypt(kp.publicKey, msg);
    expect(c.length).toBe(msg.length + 97);
    expect(toHex(sm2Decrypt(kp.privateKey, c))).toBe(toHex(msg));
    expect(toHex(sm2Encrypt(kp.publicKey, msg))).not.toBe(toHex(c));
    expect(() => sm2Decrypt(sm2GenerateKeyPair().privateKey, c)).toThrow(/SM2 decryption failed/);
    for (const i of [0, 1, 40, 64, 65, 80, 96, 97, c.length - 1]) {
      const bad = c.slice();
      bad[i]! ^= 1;
      expect(() => sm2Decrypt(kp.privateKey, bad)).toThrow(/SM2 decryption failed/);
    }
    expect(() => sm2Decrypt(kp.privateKey, c.subarray(0, 96))).toThrow(/shorter/);
    expect(toHex(sm2Decrypt(kp.privateKey, sm2Encrypt(kp.publicKey, new Uint8Array(0))))).toBe('');
  });
});
