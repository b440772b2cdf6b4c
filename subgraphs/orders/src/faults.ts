/**
 * Fault injection for the crash tests: with ORDERS_CRASH_AT set (refused in
 * production), the process dies at that checkout step the way a power cut
 * or an OOM kill would, with no chance to clean up.
 */
export const CRASH_POINTS = [
  'after-claim',
  'after-reserve',
  'after-order',
  'after-charge',
  'after-commit',
  'after-confirm',
  'after-payment-failed',
] as const;

export type CrashPoint = (typeof CRASH_POINTS)[number];

export type CrashHook = (point: CrashPoint) => void;

export const noCrash: CrashHook = () => undefined;

export function crashAt(configured: CrashPoint | undefined): CrashHook {
  if (!configured) return noCrash;
  return (point) => {
    if (point === configured) process.kill(process.pid, 'SIGKILL');
  };
}
