import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a MongoDB-compatible server that counts the
 * commands passing through it, by command and collection ("find:products").
 * Subgraphs run as their own processes, so counting on the wire is the one
 * way to see every database round trip they make without changing them.
 * Driver chatter (handshakes, heartbeats, session ends) is not counted.
 */
export interface CommandCounter {
  url: string;
  port: number;
  /** Counts since the last reset, by "command:collection". */
  counts(): Record<string, number>;
  total(): number;
  reset(): void;
  stop(): Promise<void>;
}

const OP_MSG = 2013;
const NOT_COUNTED = new Set(['hello', 'ismaster', 'isMaster', 'ping', 'endSessions', 'saslStart', 'saslContinue', 'buildInfo', 'buildinfo', 'getParameter']);

/** The first element of an OP_MSG body section: the command name, and its collection when it names one. */
export function commandOf(message: Buffer): string | null {
  if (message.length < 21 || message.readInt32LE(12) !== OP_MSG) return null;
  // header (16) + flagBits (4); the body is the kind-0 section, usually first.
  let offset = 20;
  while (offset < message.length) {
    const kind = message[offset];
    if (kind === 0) {
      const doc = offset + 1;
      const type = message[doc + 4];
      const keyEnd = message.indexOf(0, doc + 5);
      if (keyEnd < 0) return null;
      const key = message.toString('utf8', doc + 5, keyEnd);
      if (type === 0x02) {
        const length = message.readInt32LE(keyEnd + 1);
        return `${key}:${message.toString('utf8', keyEnd + 5, keyEnd + 4 + length)}`;
      }
      return key;
    }
    if (kind === 1) {
      offset += 1 + message.readInt32LE(offset + 1);
      continue;
    }
    return null;
  }
  return null;
}

export async function startCommandCounter(upstreamPort: number, upstreamHost = '127.0.0.1'): Promise<CommandCounter> {
  let counts = new Map<string, number>();
  const sockets = new Set<Socket>();

  const server: Server = createServer((client) => {
    const upstream = connect({ port: upstreamPort, host: upstreamHost });
    sockets.add(client).add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    let pending: Buffer = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 4) {
        const length = pending.readInt32LE(0);
        if (pending.length < length) break;
        const command = commandOf(pending.subarray(0, length));
        const name = command?.split(':')[0];
        if (command && name && !NOT_COUNTED.has(name)) counts.set(command, (counts.get(command) ?? 0) + 1);
        pending = pending.subarray(length);
      }
    });
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `mongodb://127.0.0.1:${port}`,
    port,
    counts: () => Object.fromEntries([...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
    total: () => [...counts.values()].reduce((sum, n) => sum + n, 0),
    reset: () => {
      counts = new Map();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
