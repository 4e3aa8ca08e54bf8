// Real portal processes for the tests that need several (`portolan serve` on a config file).
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface PortalProcess {
  child: ChildProcess;
  /** Everything written so far (both streams). */
  output(): string;
  /** Resolves with the portal's URL once it listens, or rejects with its output if it exits. */
  url: Promise<string>;
  exited: Promise<number | null>;
}

export function startPortalProcess(config: string, env: NodeJS.ProcessEnv = {}): PortalProcess {
  const child = spawn(process.execPath, [MAIN, 'serve', '--config', config, '--port', '0'], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /Portolan is running at (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`portal exited (${code}) before listening:\n${out}`)));
  });
  url.catch(() => {});
  return { child, output: () => out, url, exited };
}

/** Whether the process holds the leader lease now, as its /metrics says (false while it cannot answer). */
export async function leads(p: PortalProcess): Promise<boolean> {
  try {
    const text = await (await fetch(`${await p.url}/metrics`)).text();
    return text.includes('portolan_leader{lease="leader"} 1');
  } catch {
    return false;
  }
}
