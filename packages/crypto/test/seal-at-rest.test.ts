/**
 * At-rest sealing by suite: round trips under a key and a passphrase for both suites, the body
 * is the named cipher (AES-256-GCM opened here with node:crypto directly; SM4 via sm4Open), and
 * every way of getting it wrong is refused with a message that says what is wrong.
 */
import { createDecipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openAtRest, parseSealKey, sealAtRest, sm4Open, type CryptoSuite } from '@fedgrid/crypto';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const secretText = utf8('-----BEGIN PRIVATE KEY----- very secret material');
const ctx = utf8('node-identity-key');

describe.each<CryptoSuite>(['international', 'gm'])('sealAtRest, suite %s', (suite) => {
  const key = new Uint8Array(randomBytes(32));

  it('round-trips under a key; the plaintext is not in the output; each seal is fresh', () => {
    const sealed = sealAtRest(suite, { key }, secretText, ctx);
    expect(Buffer.from(sealed).includes(Buffer.from(secretText))).toBe(false);
    expect(Buffer.from(sealed).includes(Buffer.from('very secret'))).toBe(false);
    expect(Buffer.from(openAtRest({ key }, sealed, ctx)).toString()).toBe(
      Buffer.from(secretText).toString(),
    );
    expect(
      Buffer.from(sealAtRest(suite, { key }, secretText, ctx)).equals(Buffer.from(sealed)),
    ).toBe(false);
  });

  it('the body is the suite’s cipher under the given key', () => {
    const sealed = sealAtRest(suite, { key }, secretText, ctx);
    const header = sealed.subarray(0, 30);
    const body = sealed.subarray(30);
    const ad = Buffer.concat([header, ctx]);
    if (suite === 'gm') {
      expect(Buffer.from(sm4Open(key, body, ad)).equals(Buffer.from(secretText))).toBe(true);
    } else {
      const d = createDecipheriv('aes-256-gcm', key, body.subarray(0, 12)).setAAD(ad);
      d.setAuthTag(body.subarray(body.length - 16));
      const pt = Buffer.concat([d.update(body.subarray(12, body.length - 16)), d.final()]);
      expect(pt.equals(Buffer.from(secretText))).toBe(true);
    }
  });

  it('round-trips under a passphrase and refuses a wrong one', () => {
    const sealed = sealAtRest(suite, { passphrase: 'correct horse battery staple' }, secretText);
    expect(
      Buffer.from(openAtRest({ passphrase: 'correct horse battery staple' }, sealed)).equals(
        Buffer.from(secretText),
      ),
    ).toBe(true);
    expect(() => openAtRest({ passphrase: 'correct horse battery stapler' }, sealed)).toThrow(
      /failed authentication/,
    );
    expect(() => openAtRest({ key }, sealed)).toThrow(/sealed with a passphrase/);
    expect(() => sealAtRest(suite, { passphrase: '' }, secretText)).toThrow(/empty/);
  });

  it('refuses a wrong key, a wrong context, any altered byte, truncation and a suite downgrade', () => {
    const sealed = sealAtRest(suite, { key }, secretText, ctx);
    const other = new Uint8Array(randomBytes(32));
    expect(() => openAtRest({ key: other }, sealed, ctx)).toThrow(/failed authentication/);
    expect(() => openAtRest({ key }, sealed, utf8('model'))).toThrow(/failed authentication/);
    for (let i = 0; i < sealed.length; i++) {
      const bad = sealed.slice();
      bad[i]! ^= 0x01;
      expect(() => openAtRest({ key }, bad, ctx)).toThrow(Error);
    }
    expect(() => openAtRest({ key }, sealed.subarray(0, sealed.length - 1), ctx)).toThrow(Error);
    expect(() => openAtRest({ key }, sealed.subarray(0, 20), ctx)).toThrow(/not a FedGrid sealed/);
    const otherSuite: CryptoSuite = suite === 'gm' ? 'international' : 'gm';
    expect(() => openAtRest({ key }, sealed, ctx, { suite: otherSuite })).toThrow(
      new RegExp(`uses the ${suite} suite; this node requires ${otherSuite}`),
    );
    expect(() => openAtRest({ passphrase: 'x' }, sealed, ctx)).toThrow(/sealed with a key/);
    expect(() => sealAtRest(suite, { key: key.subarray(0, 16) }, secretText)).toThrow(/32 bytes/);
  });
});

describe('parseSealKey', () => {
  it('accepts 64 hex digits and base64/base64url of 32 bytes, refuses the rest without echo', () => {
    const k = randomBytes(32);
    expect(Buffer.from(parseSealKey(k.toString('hex'))).equals(k)).toBe(true);
    expect(Buffer.from(parseSealKey(k.toString('base64'))).equals(k)).toBe(true);
    expect(Buffer.from(parseSealKey(` ${k.toString('base64url')}\n`)).equals(k)).toBe(true);
    for (const bad of ['', 'abc', k.toString('hex').slice(2), randomBytes(31).toString('base64')]) {
      let message = '';
      try {
        parseSealKey(bad);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/64 hex digits or 43–44 base64/);
      if (bad.length > 3) expect(message).not.toContain(bad);
    }
  });
});
