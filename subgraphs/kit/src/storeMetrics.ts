import type { Connection } from 'mongoose';
import type { Histogram } from 'prom-client';
import type { Redis } from './redis.js';

type StoreHistogram = Histogram<'store' | 'command' | 'outcome'>;

/**
 * Times every MongoDB command from the driver's own command events (the
 * connection is opened with monitorCommands), labelled by command name.
 */
export function observeMongo(connection: Connection, histogram: StoreHistogram): void {
  const client = connection.getClient();
  client.on('commandSucceeded', (event) => histogram.observe({ store: 'mongodb', command: event.commandName, outcome: 'ok' }, event.duration / 1000));
  client.on('commandFailed', (event) => histogram.observe({ store: 'mongodb', command: event.commandName, outcome: 'error' }, event.duration / 1000));
}

/**
 * Times every Redis command. ioredis has no command events, so its one
 * entry point, sendCommand, is wrapped: each command's own promise reports
 * when it settles, whatever the caller does with it.
 */
export function observeRedis(redis: Redis, histogram: StoreHistogram): void {
  const send = redis.sendCommand.bind(redis) as (command: { name: string; promise: Promise<unknown> }, ...rest: unknown[]) => unknown;
  (redis as unknown as { sendCommand: typeof send }).sendCommand = (command, ...rest) => {
    const started = performance.now();
    const result = send(command, ...rest);
    const seconds = () => (performance.now() - started) / 1000;
    command.promise.then(
      () => histogram.observe({ store: 'redis', command: command.name, outcome: 'ok' }, seconds()),
      () => histogram.observe({ store: 'redis', command: command.name, outcome: 'error' }, seconds()),
    );
    return result;
  };
}
