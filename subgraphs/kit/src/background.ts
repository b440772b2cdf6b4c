import type { Logger } from './logger.js';

export interface BackgroundTask {
  /** Runs the task now, or once more right after the run in progress. */
  trigger(): Promise<void>;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * A task the service runs on its own timer (and on demand): never two runs at
 * once in this process, a failure is logged and retried on the next tick.
 * Replicas may run it concurrently; the tasks are written for that.
 */
export function startBackgroundTask(options: { name: string; intervalMs: number; logger: Logger; run: () => Promise<unknown> }): BackgroundTask {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  const loop = async () => {
    do {
      again = false;
      try {
        await options.run();
      } catch (err) {
        options.logger.warn({ err: err instanceof Error ? err.message : String(err), task: options.name }, 'background task failed');
      }
    } while (again && !stopped);
    running = null;
  };

  const trigger = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = loop();
    return running;
  };

  const timer = setInterval(() => void trigger(), options.intervalMs);
  timer.unref();
  void trigger();

  return {
    trigger,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
