import { DomainError } from '@shopcart/kit';
import { describe, expect, it } from 'vitest';
import { validateAddress, type AddressInput } from '../src/addresses.js';
import { MIN_PASSWORD_LENGTH, hashPassword, passwordProblem, verifyPassword } from '../src/passwords.js';

// The lowest cost the service accepts; enough to exercise the real scrypt path.
const COST = 12;

describe('password hashing', () => {
  it('verifies the password it hashed and nothing else', async () => {
    const hash = await hashPassword('correct horse battery', COST);
    expect(hash).toMatch(/^scrypt\$12\$[\w-]+\$[\w-]+$/);
    expect(hash).not.toContain('correct horse battery');
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([hashPassword('same password here', COST), hashPassword('same password here', COST)]);
    expect(a).not.toBe(b);
    expect(await verifyPassword('same password here', b)).toBe(true);
  });

  it('rejects hashes it cannot read instead of throwing', async () => {
    for (const encoded of ['', 'plain-text', 'bcrypt$12$abc$def', 'scrypt$12$$']) {
      expect(await verifyPassword('anything at all', encoded)).toBe(false);
    }
  });
});

describe('password policy', () => {
  it('accepts a long, uncommon password, from the minimum length up', () => {
    expect(passwordProblem('correct horse battery')).toBeNull();
    expect(passwordProblem('k7#pQ2vL9x'.slice(0, MIN_PASSWORD_LENGTH))).toBeNull();
  });

  it.each([
    ['shorter than the minimum', 'k7#pQ2vL9'],
    ['empty', ''],
    ['longer than 256 characters', 'x1'.repeat(129)],
    ['a common password', 'password123'],
    ['a common password in another case', 'PASSWORD123'],
    ['the development admin password', 'shopcart-admin'],
    ['one repeated character', 'zzzzzzzzzzzz'],
  ])('refuses %s', (_why, password) => {
    expect(passwordProblem(password)).toEqual(expect.any(String));
  });
});

describe('validateAddress', () => {
  const base: AddressInput = { fullName: 'Ada Lovelace', line1: '1 Main St', city: 'Berlin', postalCode: '10115', countryCode: 'DE' };
  const failure = (input: AddressInput): DomainError => {
    try {
      validateAddress(input);
    } catch (err) {
      if (err instanceof DomainError) return err;
      throw err;
    }
    throw new Error('expected validateAddress to refuse the input');
  };

  it('normalises the country code and trims every field', () => {
    const address = validateAddress({
      fullName: '  Ada Lovelace ',
      line1: ' 1 Main St ',
      line2: '   ',
      city: ' Berlin',
      region: ' BE ',
      postalCode: ' 10115 ',
      countryCode: ' de ',
      phone: ' +49 30 1234567 ',
    });
    expect(address).toEqual({
      fullName: 'Ada Lovelace',
      line1: '1 Main St',
      line2: null,
      city: 'Berlin',
      region: 'BE',
      postalCode: '10115',
      countryCode: 'DE',
      phone: '+49 30 1234567',
    });
  });

  it.each([
    [{ countryCode: 'XX' }, 'countryCode'],
    [{ countryCode: 'usa' }, 'countryCode'],
    [{ countryCode: '' }, 'countryCode'],
    [{ fullName: ' ' }, 'fullName'],
    [{ city: '' }, 'city'],
    [{ line1: 'x'.repeat(201) }, 'line1'],
    [{ postalCode: '10115;DROP' }, 'postalCode'],
    [{ phone: 'call me' }, 'phone'],
  ])('refuses %o at input.%s', (patch, field) => {
    const err = failure({ ...base, ...patch });
    expect(err.code).toBe('INVALID_ADDRESS');
    expect(err.field).toEqual(['input', field]);
  });
});
