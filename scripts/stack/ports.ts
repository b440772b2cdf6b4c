import type { ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';

/** Ports on this machine: a free one for each process of a stack, and waiting for one to open. */

/**
 * The kernel hands out ports of this range for listen(0) and for every
 * outgoing connection (to PostgreSQL, Redis, other services). A port picked
 * here is bound later by a process that starts seconds after, so it is
 * taken from below that range: nothing else on the machine is given it in
 * the meantime unless it asks for it by number.
 */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low && high) return [low, high];
  } catch {
    // Not Linux: the IANA dynamic range.
  }
  return [49152, 65535];
}

const PICK_FROM = 10_000;

function bindable(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : null;
      server.close(() => resolve(bound));
    });
  });
}

/** A port free now and outside the kernel's ephemeral range (see above); any free port if none is found. */
export async function freePort(): Promise<number> {
  const [low] = ephemeralRange();
  const span = low - PICK_FROM;
  for (let attempt = 0; span > 0 && attempt < 50; attempt += 1) {
    const port = await bindable(PICK_FROM + randomInt(span));
    if (port) return port;
  }
  const port = await bindable(0);
  if (!port) throw new Error('no free port on 127.0.0.1');
  return port;
}

export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function waitForPort(port: number, child: ChildProcess, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    if (await portOpen(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not open port ${port} within ${timeoutMs} ms`);
}
