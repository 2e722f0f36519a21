/**
 * The `gm` suite's node-level building blocks: SM2 certificates signed SM2-with-SM3 with the
 * default user ID (issued here, parsed by OpenSSL; OpenSSL's own certificate verified here), and
 * the application-layer envelope (SM2 key exchange → SM4-CTR + HMAC-SM3, SM2 signature per
 * envelope) against a hostile partner: tampered bytes, forged signature under the session key,
 * replay, re-ordering, wrong key, another context.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  GM_ENVELOPE_OVERHEAD,
  GM_EXCHANGE_KEY_BYTES,
  GmEnvelopeError,
  GmEnvelopeOpener,
  GmEnvelopeSealer,
  gmSessionKeys,
  issueSm2Certificate,
  readSm2Certificate,
  sm2CheckConfirmation,
  sm2Ephemeral,
  sm2ExchangeInitiator,
  sm2ExchangeResponder,
  sm2GenerateKeyPair,
  sm2Sign,
  sm4Seal,
  type Sm2KeyPair,
} from '../src/index.js';

const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('SM2 certificates (SM2-with-SM3, default user ID)', () => {
  it('issues a certificate OpenSSL parses as SM2-with-SM3 on the SM2 curve, and that verifies here', () => {
    const kp = sm2GenerateKeyPair();
    const pem = issueSm2Certificate({ commonName: 'node-a', privateKey: kp.privateKey });
    const x = new X509Certificate(pem);
    expect(x.subject).toContain('CN=node-a');
    expect(x.issuer).toBe(x.subject);
    // OpenSSL decoded an SM2 key (Node has no name for that type) whose SPKI ends in our point.
    expect(x.publicKey.asymmetricKeyType).toBeUndefined();
    const spki = x.publicKey.export({ type: 'spki', format: 'der' });
    expect(spki.subarray(spki.length - 65)).toEqual(Buffer.from(kp.publicKey));
    expect(spki.includes(Buffer.from('06082a811ccf5501822d', 'hex'))).toBe(true); // OID 1.2.156.10197.1.301
    const info = readSm2Certificate(pem);
    expect(info.commonName).toBe('node-a');
    expect(Buffer.from(info.publicKey)).toEqual(Buffer.from(kp.publicKey));
    expect(info.notAfter.getTime()).toBeGreaterThan(info.notBefore.getTime());
  });

  it("verifies OpenSSL's own SM2 certificate (openssl req -sm3 -sigopt distid:1234567812345678)", () => {
    // An implementation independent of ours signed this; our SM2 verification with the default
    // user ID over its DER TBSCertificate must accept it.
    const info = readSm2Certificate(fixture('openssl-sm2-cert.pem'));
    expect(info.commonName).toBe('openssl-sm2');
  });

  it('refuses an altered certificate, another key, and a non-SM2 certificate', () => {
    const kp = sm2GenerateKeyPair();
    const pem = issueSm2Certificate({ commonName: 'node-a', privateKey: kp.privateKey });
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    // Flip one bit inside the subject common name ("node-a" → "node-`" or similar).
    const at = der.indexOf(Buffer.from('node-a'));
    der[at + 5]! ^= 0x01;
    const altered = `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`;
    expect(() => readSm2Certificate(altered)).toThrow(/does not verify/);
    expect(() => readSm2Certificate('hello')).toThrow(/not a PEM certificate/);
    // A self-signed ECDSA P-256 certificate (openssl req -x509 -newkey ec).
    expect(() => readSm2Certificate(fixture('p256-cert.pem'))).toThrow(/not SM2-with-SM3/);
  });
});

/** Runs the three-message SM2 key exchange with confirmation and returns both sides' keys. */
function handshake(a: Sm2KeyPair, b: Sm2KeyPair) {
  const ea = sm2Ephemeral();
  const eb = sm2Ephemeral();
  const rb = sm2ExchangeResponder({
    self: b,
    peer: { publicKey: a.publicKey },
    ephemeral: eb,
    peerEphemeral: ea.point,
    keyBytes: GM_EXCHANGE_KEY_BYTES,
  });
  const ra = sm2ExchangeInitiator({
    self: a,
    peer: { publicKey: b.publicKey },
    ephemeral: ea,
    peerEphemeral: eb.point,
    keyBytes: GM_EXCHANGE_KEY_BYTES,
  });
  sm2CheckConfirmation(ra.expectedConfirmation, rb.confirmation);
  sm2CheckConfirmation(rb.expectedConfirmation, ra.confirmation);
  return { a: gmSessionKeys(ra.key, 'initiator'), b: gmSessionKeys(rb.key, 'responder') };
}

describe('GM envelopes (SM2-signed, SM4-sealed under SM2-agreed keys)', () => {
  const alice = sm2GenerateKeyPair();
  const bob = sm2GenerateKeyPair();
  const binding = { sessionId: 'job-1', sender: 'alice', receiver: 'bob' };

  function pair(ordering: 'strict' | 'window' = 'strict') {
    const keys = handshake(alice, bob);
    const sealer = new GmEnvelopeSealer({ ...binding, ...alice, key: keys.a.sendKey });
    const opener = new GmEnvelopeOpener({
      ...binding,
      peerPublicKey: alice.publicKey,
      key: keys.b.receiveKey,
      ordering,
    });
    return { keys, sealer, opener };
  }

  const reason = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(GmEnvelopeError);
      return (e as GmEnvelopeError).reason;
    }
    return 'accepted';
  };

  it('round-trips payloads in order, hides them, and gives the receiver a checkable signature', () => {
    const { keys, sealer, opener } = pair();
    expect(Buffer.from(keys.a.sendKey)).toEqual(Buffer.from(keys.b.receiveKey));
    expect(Buffer.from(keys.a.sendKey)).not.toEqual(Buffer.from(keys.a.receiveKey));
    const payload = new TextEncoder().encode('{"secret":"per-sample gradients 0.1234"}');
    const e0 = sealer.seal(payload, 'grad');
    expect(e0.length).toBe(payload.length + GM_ENVELOPE_OVERHEAD);
    expect(Buffer.from(e0).includes(Buffer.from('per-sample'))).toBe(false);
    const o0 = opener.open(e0, 'grad');
    expect(new TextDecoder().decode(o0.payload)).toBe('{"secret":"per-sample gradients 0.1234"}');
    expect(o0.sequence).toBe(0n);
    expect(o0.signature.length).toBe(64);
    expect(opener.open(sealer.seal(new Uint8Array(0), 'grad'), 'grad').sequence).toBe(1n);
  });

  it('refuses every single-byte change (no state change: the genuine envelope still opens)', () => {
    const { sealer, opener } = pair();
    const env = sealer.seal(new Uint8Array(100).fill(7), 'x');
    for (const i of [0, 4, 11, 12, 30, 40, 100, env.length - 1]) {
      const bad = env.slice();
      bad[i]! ^= 0x01;
      expect(['MALFORMED', 'AUTHENTICATION']).toContain(reason(() => opener.open(bad, 'x')));
    }
    expect(opener.open(env, 'x').sequence).toBe(0n);
  });

  it('refuses a replayed and a re-ordered envelope (strict), and replays in window mode', () => {
    const { sealer, opener } = pair();
    const e0 = sealer.seal(Uint8Array.of(0));
    const e1 = sealer.seal(Uint8Array.of(1));
    const e2 = sealer.seal(Uint8Array.of(2));
    expect(reason(() => opener.open(e1))).toBe('OUT_OF_ORDER');
    opener.open(e0);
    expect(reason(() => opener.open(e0))).toBe('REPLAY');
    opener.open(e1);
    expect(opener.open(e2).payload[0]).toBe(2);

    const w = pair('window');
    const w0 = w.sealer.seal(Uint8Array.of(0));
    const w1 = w.sealer.seal(Uint8Array.of(1));
    expect(w.opener.open(w1).sequence).toBe(1n); // concurrent requests may overtake
    expect(w.opener.open(w0).sequence).toBe(0n);
    expect(reason(() => w.opener.open(w1))).toBe('REPLAY');
  });

  it('refuses a wrong session key, another session/context/direction, and a foreign signer', () => {
    const { sealer } = pair();
    const other = handshake(alice, bob); // a fresh exchange gives a different key
    const stranger = new GmEnvelopeOpener({
      ...binding,
      peerPublicKey: alice.publicKey,
      key: other.b.receiveKey,
    });
    expect(reason(() => stranger.open(sealer.seal(Uint8Array.of(1))))).toBe('AUTHENTICATION');

    const p = pair();
    const env = p.sealer.seal(Uint8Array.of(1), 'ctx-a');
    expect(reason(() => p.opener.open(env, 'ctx-b'))).toBe('AUTHENTICATION');
    const otherSession = new GmEnvelopeOpener({
      ...binding,
      sessionId: 'job-2',
      peerPublicKey: alice.publicKey,
      key: p.keys.b.receiveKey,
    });
    expect(reason(() => otherSession.open(env, 'ctx-a'))).toBe('AUTHENTICATION');
    // Bob's own sending key cannot produce something Bob accepts as from Alice.
    const reflected = new GmEnvelopeSealer({ ...binding, ...bob, key: p.keys.b.sendKey });
    expect(reason(() => p.opener.open(reflected.seal(Uint8Array.of(1), 'ctx-a'), 'ctx-a'))).toBe(
      'AUTHENTICATION',
    );
  });

  it('a hostile partner holding the session key cannot forge or alter what the sender signed', () => {
    const p = pair();
    const mallory = sm2GenerateKeyPair();
    // Mallory knows the session key (e.g. a third node it colludes with leaked it) and seals a
    // payload with its own SM2 key: the SM4 layer accepts, the SM2 signature check refuses.
    const forger = new GmEnvelopeSealer({ ...binding, ...mallory, key: p.keys.a.sendKey });
    expect(reason(() => p.opener.open(forger.seal(Uint8Array.of(9))))).toBe('SIGNATURE');
    // It re-seals a genuine signature with an altered payload: refused too.
    const genuine = p.sealer.seal(Uint8Array.of(1, 2, 3));
    const signatureOnly = sm2Sign(mallory.privateKey, Uint8Array.of(1));
    const head = genuine.subarray(0, 12);
    const aad = new Uint8Array([...head, ...new TextEncoder().encode('job-1\0alice\0bob\0\0')]);
    const tampered = new Uint8Array([
      ...head,
      ...sm4Seal(p.keys.a.sendKey, new Uint8Array([...signatureOnly, 1, 2, 4]), aad),
    ]);
    expect(reason(() => p.opener.open(tampered))).toBe('SIGNATURE');
    // Nothing was accepted: the genuine envelope #0 still opens.
    expect(p.opener.open(genuine).payload).toEqual(Uint8Array.of(1, 2, 3));
  });

  it('refuses garbage of any length without throwing anything but GmEnvelopeError', () => {
    const { opener } = pair();
    for (const n of [0, 1, 11, 12, GM_ENVELOPE_OVERHEAD - 1, GM_ENVELOPE_OVERHEAD, 500]) {
      const junk = new Uint8Array(n).fill(0x46);
      expect(['MALFORMED', 'AUTHENTICATION']).toContain(reason(() => opener.open(junk)));
    }
    expect(() => gmSessionKeys(new Uint8Array(32), 'initiator')).toThrow(/64 bytes/);
  });
});
