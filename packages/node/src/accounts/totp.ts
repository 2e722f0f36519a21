/**
 * TOTP second factor (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps — what authenticator apps
 * use), through the `otpauth` library. A code is accepted for the current step and one step
 * either side (clock drift), and never twice (the caller keeps the last accepted step).
 */
import { Secret, TOTP } from 'otpauth';

const PERIOD = 30;

function totp(secret: string, label = 'user', issuer = 'FedGrid'): TOTP {
  return new TOTP({
    issuer,
    label,
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD,
    secret: Secret.fromBase32(secret),
  });
}

/** A new random secret (160 bits, base32) and its otpauth:// URI for authenticator apps. */
export function newTotpSecret(label: string, issuer: string): { secret: string; uri: string } {
  const secret = new Secret({ size: 20 }).base32;
  return { secret, uri: totp(secret, label, issuer).toString() };
}

/**
 * The time step `code` is valid for at `now` (±1 step), or undefined when it is not valid.
 * @param now milliseconds since the epoch
 */
export function totpStep(secret: string, code: string, now: number): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = totp(secret).validate({ token: code, timestamp: now, window: 1 });
  if (delta === null) return undefined;
  return Math.floor(now / 1000 / PERIOD) + delta;
}

/** The code of `secret` at `now` (ms): for tests and the CLI's self-check. */
export function totpCode(secret: string, now: number): string {
  return totp(secret).generate({ timestamp: now });
}
