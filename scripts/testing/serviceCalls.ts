import { ServiceCallError } from '@shopcart/kit';

/** The GraphQL error a service-to-service call failed with (the service client throws on errors). */
export async function callError(call: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await call;
  } catch (err) {
    if (err instanceof ServiceCallError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected the call to fail');
}

/** The stable code of that error. */
export const errorCode = async (call: Promise<unknown>): Promise<string> => (await callError(call)).code;
