/**
 * Passwords: the policy (length ≥ 12 with at least three of four character classes, not the
 * user's name), argon2id hashing (RFC 9106, via @node-rs/argon2 with its OWASP-recommended
 * defaults: m = 19 MiB, t = 2, p = 1) and one-time passwords for new users and resets.
 */
import { randomInt } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { FedGridError } from '../errors/errors.js';

export const MIN_PASSWORD_LENGTH = 12;

/**
 * Checks `password` against the policy for user `name`.
 * @throws FedGridError PASSWORD_POLICY saying what is missing.
 */
export function checkPasswordPolicy(password: string, name: string): void {
  const problems: string[] = [];
  if ([...password].length < MIN_PASSWORD_LENGTH)
    problems.push(`at least ${MIN_PASSWORD_LENGTH} characters`);
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((r) =>
    r.test(password),
  ).length;
  if (classes < 3)
    problems.push(
      'at least three of: lower-case letters, upper-case letters, digits, other characters',
    );
  const lower = password.toLowerCase();
  if (name && lower.includes(name.toLowerCase())) problems.push('not containing the user name');
  if (problems.length)
    throw new FedGridError('PASSWORD_POLICY', `the password needs ${problems.join('; ')}`, {
      field: 'password',
    });
}

/** The argon2id PHC string of `password`. */
export function hashPassword(password: string): Promise<string> {
  // 2 = Algorithm.Argon2id (an ambient const enum, which this build cannot import by name).
  return hash(password, { algorithm: 2 });
}

/** Whether `password` matches the PHC string `phc` (false for a malformed one). */
export async function verifyPassword(phc: string, password: string): Promise<boolean> {
  try {
    return await verify(phc, password);
  } catch {
    return false;
  }
}

const ALPHABET = {
  lower: 'abcdefghijkmnpqrstuvwxyz',
  upper: 'ABCDEFGHJKLMNPQRSTUVWXYZ',
  digit: '23456789',
  other: '-_.!@#%+=',
};

/** A random one-time password of 20 characters that satisfies the policy (CSPRNG). */
export function oneTimePassword(): string {
  const all = Object.values(ALPHABET).join('');
  const chars = Object.values(ALPHABET).map((a) => a[randomInt(a.length)]!);
  while (chars.length < 20) chars.push(all[randomInt(all.length)]!);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}
