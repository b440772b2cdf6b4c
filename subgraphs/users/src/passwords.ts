import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const KEY_LENGTH = 32;

function scryptAsync(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

function optionsFor(cost: number): ScryptOptions {
  const N = 2 ** cost;
  // scrypt needs 128 * N * r bytes; leave headroom over Node's 32 MiB default.
  return { N, r: 8, p: 1, maxmem: 256 * N * 8 };
}

/** Encoded as scrypt$cost$salt$hash so the cost can rise without breaking old hashes. */
export async function hashPassword(password: string, cost: number): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, optionsFor(cost));
  return `scrypt$${cost}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const [scheme, costText, saltText, keyText] = encoded.split('$');
  if (scheme !== 'scrypt' || !costText || !saltText || !keyText) return false;
  const expected = Buffer.from(keyText, 'base64url');
  const key = await scryptAsync(password, Buffer.from(saltText, 'base64url'), optionsFor(Number(costText)));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

let dummyHash: Promise<string> | null = null;

/**
 * For an unknown email, spend the same work as for a wrong password so the
 * response time does not reveal which emails have accounts.
 */
export async function burnPasswordCheck(password: string, cost: number): Promise<void> {
  dummyHash ??= hashPassword(randomBytes(12).toString('hex'), cost);
  await verifyPassword(password, await dummyHash);
}

export const MIN_PASSWORD_LENGTH = 10;

// The most common passwords of 10+ characters in public breach corpora.
const COMMON_PASSWORDS = new Set([
  '1234567890', '0123456789', '1234567891', '12345678910', '123456789a', 'a123456789',
  'qwertyuiop', 'qwertyuiop1', '1q2w3e4r5t', '1qaz2wsx3edc', 'zaq12wsxcde3', 'asdfghjkl1',
  'password12', 'password123', 'password1234', 'passw0rd123', 'p@ssw0rd123', 'password!1',
  'iloveyou12', 'iloveyou123', 'football12', 'baseball12', 'princess12', 'sunshine12',
  'welcome123', 'welcome1234', 'letmein123', 'admin12345', 'administrator', 'abc1234567',
  'abcdefghij', 'abcd123456', 'qwerty1234', 'qwerty12345', 'qwerty123456', '1111111111',
  '0000000000', '9876543210', '1122334455', '1234512345', '5555555555', 'aaaaaaaaaa',
  'changeme123', 'monkey1234', 'dragon1234', 'superman12', 'trustno1trustno1', 'shopcart123',
  'shopcart1234', 'shopcart-admin',
]);

export function passwordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `Password must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > 256) return 'Password must be at most 256 characters';
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower) || /^(.)\1+$/.test(password)) return 'Password is too common; choose another';
  return null;
}
