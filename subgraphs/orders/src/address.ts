import { DomainError, validateAddress as validateSharedAddress, type AddressInput } from '@shopcart/kit';
import type { AddressSnapshot } from './model.js';

export type { AddressInput } from '@shopcart/kit';

/** An address given inline at checkout: the same rules users applies to saved ones. */
export function validateAddress(input: AddressInput): Omit<AddressSnapshot, 'id'> {
  return validateSharedAddress(input, ['input', 'shippingAddress']);
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
