import type { PaymentsDeps } from './deps.js';
import { providerUnavailable } from './errors.js';
import type { ProviderCallOptions } from './providers/provider.js';

/**
 * One call to the provider, bounded by the configured timeout and timed. A
 * failure or a late answer becomes PAYMENT_PROVIDER_UNAVAILABLE: the provider
 * may have acted, so the caller learns the outcome later by idempotency key.
 */
export async function askProvider<T>(deps: PaymentsDeps, operation: string, call: (options: ProviderCallOptions) => Promise<T>): Promise<T> {
  const signal = AbortSignal.timeout(deps.providerTimeoutMs);
  const stopTimer = deps.metrics.providerDuration.startTimer({ provider: deps.provider.name, operation });
  let outcome = 'ok';
  try {
    return await untilAborted(call({ signal }), signal);
  } catch (err) {
    outcome = signal.aborted ? 'timeout' : 'error';
    deps.logger.warn({ provider: deps.provider.name, operation, outcome, err: err instanceof Error ? err.message : String(err) }, 'payment provider call failed');
    throw providerUnavailable();
  } finally {
    stopTimer({ outcome });
  }
}

/** Stops waiting when the signal fires, even for a provider that ignores it. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
