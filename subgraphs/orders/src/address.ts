import { DomainError } from '@shopcart/kit';
import countries from 'i18n-iso-countries';
import type { AddressSnapshot } from './model.js';

/** An address given inline at checkout, validated by the same rules users applies to saved ones. */
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

const FIELD = ['input', 'shippingAddress'];
const invalid = (message: string, field: string) => new DomainError('INVALID_ADDRESS', message, [...FIELD, field]);

function required(value: string, field: string, max: number): string {
  const trimmed = value.trim();
  if (trimmed.length === 0) throw invalid(`${field} is required`, field);
  if (trimmed.length > max) throw invalid(`${field} must be at most ${max} characters`, field);
  return trimmed;
}

function optional(value: string | null | undefined, field: string, max: number): string | null {
  const trimmed = value?.trim() ?? '';
  if (trimmed.length === 0) return null;
  if (trimmed.length > max) throw invalid(`${field} must be at most ${max} characters`, field);
  return trimmed;
}

export function validateAddress(input: AddressInput): Omit<AddressSnapshot, 'id'> {
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

export type AddressChoice = { kind: 'saved'; addressId: string } | { kind: 'inline'; address: Omit<AddressSnapshot, 'id'> };

/** Exactly one of a saved address id and an inline address. */
export function chooseAddress(input: { shippingAddressId?: string | null; shippingAddress?: AddressInput | null }): AddressChoice {
  const savedId = input.shippingAddressId?.trim();
  if (savedId && input.shippingAddress) {
    throw new DomainError('INVALID_ADDRESS', 'Give shippingAddressId or shippingAddress, not both', ['input', 'shippingAddressId']);
  }
  if (input.shippingAddress) return { kind: 'inline', address: validateAddress(input.shippingAddress) };
  if (savedId) return { kind: 'saved', addressId: savedId };
  throw new DomainError('ADDRESS_REQUIRED', 'A shipping address is required: give shippingAddressId or shippingAddress', ['input', 'shippingAddressId']);
}
