import countries from 'i18n-iso-countries';
import { DomainError } from './errors.js';
import { cleanText } from './text.js';

/** A postal address as the API takes it (AddressInput), for saved addresses and checkout alike. */
export interface AddressInput {
  fullName: string;
  line1: string;
  line2?: string | null;
  city: string;
  region?: string | null;
  postalCode: string;
  countryCode: string;
  phone?: string | null;
}

export type ValidAddress = Required<{ [K in keyof AddressInput]: NonNullable<AddressInput[K]> | (undefined extends AddressInput[K] ? null : never) }>;

/** An address with its id, as users hands a saved one to orders at checkout (checkoutAddress) and as an order keeps it. */
export interface AddressSnapshot extends ValidAddress {
  id: string;
}

/**
 * The stored fields of a validated address, as a mongoose schema definition:
 * users' saved addresses and the copy an order keeps store the same fields.
 */
export const addressSchemaFields = {
  fullName: { type: String, required: true },
  line1: { type: String, required: true },
  line2: { type: String, default: null },
  city: { type: String, required: true },
  region: { type: String, default: null },
  postalCode: { type: String, required: true },
  countryCode: { type: String, required: true },
  phone: { type: String, default: null },
} as const;

/**
 * Normalises and validates an address (every field by cleanText's rules,
 * ISO 3166-1 alpha-2 country); users applies it to saved addresses and
 * orders to addresses given at checkout, so both accept exactly the same
 * input. Failures are INVALID_ADDRESS with the field under `fieldPrefix`.
 */
export function validateAddress(input: AddressInput, fieldPrefix: string[] = ['input']): ValidAddress {
  const invalid = (message: string, field: string) => new DomainError('INVALID_ADDRESS', message, [...fieldPrefix, field]);
  const required = (value: string, field: string, max: number): string =>
    cleanText(value, [...fieldPrefix, field], { min: 1, max, code: 'INVALID_ADDRESS' });
  const optional = (value: string | null | undefined, field: string, max: number): string | null =>
    cleanText(value ?? '', [...fieldPrefix, field], { max, code: 'INVALID_ADDRESS' }) || null;

  const countryCode = input.countryCode.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(countryCode) || !countries.isValid(countryCode)) {
    throw invalid('countryCode must be an ISO 3166-1 alpha-2 code, e.g. "US" or "DE"', 'countryCode');
  }
  const phone = optional(input.phone, 'phone', 30);
  if (phone && !/^\+?[0-9 ()./-]{5,30}$/.test(phone)) throw invalid('phone may contain digits, spaces and + ( ) - . / only', 'phone');
  const postalCode = required(input.postalCode, 'postalCode', 20);
  if (!/^[A-Za-z0-9 -]+$/.test(postalCode)) throw invalid('postalCode may contain letters, digits, spaces and dashes only', 'postalCode');
  return {
    fullName: required(input.fullName, 'fullName', 100),
    line1: required(input.line1, 'line1', 200),
    line2: optional(input.line2, 'line2', 200),
    city: required(input.city, 'city', 100),
    region: optional(input.region, 'region', 100),
    postalCode,
    countryCode,
    phone,
  };
}
