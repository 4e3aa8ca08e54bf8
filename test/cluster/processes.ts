// Starting and stopping the fleet's long-running processes. They are started detached (own
// process group, output to a log file) so that `fleet up` can exit and leave them running.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FleetProcess } from './state.ts';

export function startDetached(name: string, command: string, args: string[], log: string): FleetProcess {
  const out = openSync(log, 'a');
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', out, out] });
    if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
    child.unref();
    return { name, pid: child.pid, command, args, log };
  } finally {
    closeSync(out);
  }
}

/**
 * True while the pid still runs the same command. Checking the command line guards against a
 * reused pid; a zombie (killed but not yet reaped by its parent) has an empty one and counts as gone.
 */
export function isRunning(proc: Pick<FleetProcess, 'pid' | 'command'>): boolean {
  const cmdline = `/proc/${proc.pid}/cmdline`;
  if (!existsSync(cmdline)) return false;
  try {
    return readFileSync(cmdline, 'utf8').split('\0')[0] === proc.command;
  } catch {
    return false;
  }
}

/** Sends `signal`, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(
  proc: Pick<FleetProcess, 'pid' | 'command'>,
  options: { signal?: NodeJS.Signals; graceMs?: number } = {},
): Promise<void> {
  if (!isRunning(proc)) return;
  const deadline = Date.now() + (options.graceMs ?? 10_000);
  try {
    process.kill(proc.pid, options.signal ?? 'SIGTERM');
  } catch {
    return;
  }
  while (isRunning(proc)) {
    if (Date.now() > deadline) {
      try {
        process.kill(proc.pid, 'SIGKILL');
      } catch {
        return;
      }
    }
    await sleep(100);
  }
}

const handedOut = new Set<number>();

/** A free TCP port on the loopback interface, never one this process handed out before. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await anyFreePort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/** Polls `check` until it returns a value other than undefined, or fails with `what` and the last error. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out waiting for ${what}${reason}`);
    }
    await sleep(options.intervalMs ?? 250);
  }
}
