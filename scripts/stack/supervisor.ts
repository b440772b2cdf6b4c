import type { ChildProcess } from 'node:child_process';

/**
 * Keeps one process of the development stack running, as an orchestrator
 * would in production (compose restart policies, Kubernetes): when it exits
 * without being asked to, it is started again after a backoff, 1 s doubling
 * up to 30 s, back to 1 s once it has stayed up a minute. After 5 exits
 * within 2 minutes it is left stopped, and said so; the rest of the platform
 * keeps running, so its neighbours' degradation can be watched.
 */

export interface Running {
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface Supervised {
  name: string;
  /** The current process, while one runs. */
  current(): Running | null;
  /** From now on an exit is final: a stack stopping as a whole, whose processes may exit before their turn (Ctrl-C reaches them all). */
  stopRestarting(): void;
  stop(): Promise<void>;
}

export interface SupervisorOptions {
  name: string;
  start: () => Promise<Running>;
  log: (line: string) => void;
  /** Called when the first process is up (restarts are logged here). */
  started?: (running: Running) => void;
}

const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;
const STABLE_MS = 60_000;
const GIVE_UP_AFTER = 5;
const GIVE_UP_WINDOW_MS = 120_000;

export async function supervise(options: SupervisorOptions): Promise<Supervised> {
  const { name, log } = options;
  let running: Running | null = null;
  let stopping = false;
  let delay = FIRST_DELAY_MS;
  let exits: number[] = [];
  let timer: NodeJS.Timeout | null = null;

  const watch = (process: Running) => {
    running = process;
    const upSince = Date.now();
    process.child.once('exit', (code, signal) => {
      running = null;
      if (stopping) return;
      const now = Date.now();
      if (now - upSince >= STABLE_MS) delay = FIRST_DELAY_MS;
      exits = [...exits.filter((at) => now - at < GIVE_UP_WINDOW_MS), now];
      const cause = signal ? `signal ${signal}` : `exit code ${code}`;
      if (exits.length >= GIVE_UP_AFTER) {
        log(`${name} stopped (${cause}), its ${GIVE_UP_AFTER}th exit within ${GIVE_UP_WINDOW_MS / 1000}s: leaving it stopped; the rest keeps running (restart npm start to try again)`);
        return;
      }
      log(`${name} stopped unexpectedly (${cause}); restarting in ${delay / 1000}s`);
      schedule();
    });
  };

  const schedule = () => {
    const wait = delay;
    delay = Math.min(delay * 2, MAX_DELAY_MS);
    timer = setTimeout(async () => {
      timer = null;
      if (stopping) return;
      try {
        const process = await options.start();
        if (stopping) return void (await process.stop());
        log(`${name} restarted (pid ${process.child.pid})`);
        watch(process);
      } catch (err) {
        exits = [...exits.filter((at) => Date.now() - at < GIVE_UP_WINDOW_MS), Date.now()];
        if (exits.length >= GIVE_UP_AFTER) {
          log(`${name} could not be restarted (${err instanceof Error ? err.message : String(err)}): leaving it stopped; the rest keeps running`);
          return;
        }
        log(`${name} did not start again (${err instanceof Error ? err.message : String(err)}); retrying in ${delay / 1000}s`);
        schedule();
      }
    }, wait);
  };

  const first = await options.start();
  options.started?.(first);
  watch(first);
  const stopRestarting = () => {
    stopping = true;
    if (timer) clearTimeout(timer);
  };
  return {
    name,
    current: () => running,
    stopRestarting,
    async stop() {
      stopRestarting();
      await running?.stop();
    },
  };
}
