// The simulated fleet in a child process (support/watch-sim.ts), so the engine under test is
// measured alone, and the IPC calls the benchmarks make to it.
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CatalogEntity } from '@portolan/core/services/index';

export interface SimChildOptions {
  clusters: number;
  podsPerCluster: number;
  changeRate: number;
  seed: string;
}

export interface SimChild {
  kubeconfig: string;
  clusters: { name: string }[];
  stats: unknown;
  services: CatalogEntity[];
  startMs: number;
  call<T>(cmd: string, ...args: unknown[]): Promise<T>;
}

export async function startSimChild(
  options: SimChildOptions,
  onExit: (code: number | null) => void,
): Promise<SimChild> {
  const here = dirname(fileURLToPath(import.meta.url));
  const child = fork(join(here, 'watch-sim.ts'), [JSON.stringify(options)], {
    execArgv: ['--disable-warning=ExperimentalWarning', '--max-old-space-size=12288'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 0;
  const pending = new Map<number, (v: unknown) => void>();
  let ready: (m: Omit<SimChild, 'call'>) => void = () => {};
  const readyP = new Promise<Omit<SimChild, 'call'>>((r) => {
    ready = r;
  });
  child.on('exit', (code) => {
    if (code !== 0) onExit(code);
  });
  child.on('message', (m: { type: string; id?: number; value?: unknown }) => {
    if (m.type === 'ready') ready(m as never);
    if (m.type === 'reply') pending.get(m.id!)?.(m.value);
  });
  const call = <T>(cmd: string, ...args: unknown[]) =>
    new Promise<T>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve as (v: unknown) => void);
      child.send({ cmd, id, args });
    });
  return { ...(await readyP), call };
}
