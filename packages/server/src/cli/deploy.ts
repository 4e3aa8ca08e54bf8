// `portolan deploy` and `portolan deployments`: the deploy API from a terminal. The portal is at
// PORTOLAN_URL, the token in PORTOLAN_TOKEN (never printed). With --wait the command follows the
// deployment's stream: a live grid of waves and clusters on a terminal, plain lines otherwise,
// and exits non-zero unless the deployment completed.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { DeploymentState, StoredEvent } from '@portolan/core/deploy/index';
import { parseErrorBody, UnavailableError } from '@portolan/core/errors';
import { sseBlocks } from '../http/sse-read.ts';
import type { Io } from './io.ts';

export class DeployUsageError extends Error {}

interface Client {
  url: string;
  headers: Record<string, string>;
}

function client(env: NodeJS.ProcessEnv): Client {
  const url = (env.PORTOLAN_URL ?? 'http://127.0.0.1:7007').replace(/\/+$/, '');
  const headers: Record<string, string> = { accept: 'application/json' };
  if (env.PORTOLAN_TOKEN) headers.authorization = `Bearer ${env.PORTOLAN_TOKEN}`;
  return { url, headers };
}

async function call<T>(
  c: Client,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  extra: Record<string, string> = {},
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${c.url}${path}`, {
      method,
      headers: {
        ...c.headers,
        ...extra,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new UnavailableError(
      `cannot reach the portal at ${c.url} (set PORTOLAN_URL): ${(error as Error).message}`,
    );
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) throw parseErrorBody(res.status, json);
  return json as T;
}

interface DeploymentJson {
  id: string;
  service: string;
  created?: boolean;
  state: DeploymentState;
  blocked: { cluster: string; reason: string }[];
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'rolled-back']);
const ACTIONS = new Set(['pause', 'resume', 'approve', 'cancel', 'rollback']);

/** `portolan deploy <service> --version X` and `portolan deploy <action> <id>`. */
export async function deployCommand(
  args: string[],
  io: Io,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      version: { type: 'string' },
      image: { type: 'string', multiple: true },
      container: { type: 'string', multiple: true },
      cluster: { type: 'string', multiple: true },
      reason: { type: 'string' },
      commit: { type: 'string' },
      'commit-time': { type: 'string' },
      supersede: { type: 'boolean' },
      wait: { type: 'boolean' },
      'idempotency-key': { type: 'string' },
    },
  });
  const c = client(env);
  const [first, second] = positionals;
  if (first && ACTIONS.has(first)) {
    if (!second) throw new DeployUsageError(`portolan deploy ${first} <deployment id>`);
    const d = await call<DeploymentJson>(
      c,
      'POST',
      `/api/deployments/${encodeURIComponent(second)}/${first}`,
      {
        ...(values.reason ? { reason: values.reason } : {}),
      },
    );
    io.stdout.write(`${d.id}: ${d.state.status}\n`);
    return values.wait ? follow(c, d.id, io) : 0;
  }
  if (!first)
    throw new DeployUsageError('portolan deploy <service> --version <tag> [--reason <text>] [--wait]');
  const images = Object.fromEntries(
    (values.image ?? []).map((spec) => {
      const at = spec.indexOf('=');
      if (at <= 0) throw new DeployUsageError(`--image takes container=image, not "${spec}"`);
      return [spec.slice(0, at), spec.slice(at + 1)];
    }),
  );
  const body = {
    ...(values.version ? { version: values.version } : {}),
    ...(Object.keys(images).length ? { images } : {}),
    ...(values.container ? { containers: values.container } : {}),
    ...(values.cluster ? { clusters: values.cluster } : {}),
    reason: values.reason ?? `deploy ${values.version ?? 'images'} from the command line`,
    ...(values.commit
      ? { commit: { sha: values.commit, time: values['commit-time'] ?? new Date().toISOString() } }
      : {}),
    ...(values.supersede ? { supersede: true } : {}),
  };
  // One key per invocation, so a retried request (the CLI's or a proxy's) never deploys twice.
  const key = values['idempotency-key'] ?? randomUUID();
  const d = await call<DeploymentJson>(
    c,
    'POST',
    `/api/services/${encodeURIComponent(first)}/deployments`,
    body,
    {
      'idempotency-key': key,
    },
  );
  const plan = d.state.plan;
  io.stdout.write(
    `${d.id}: deploying ${d.service}${plan?.version ? ` ${plan.version}` : ''} to ${plan?.clusters.length ?? 0} clusters in ${plan?.waves.length ?? 0} waves\n`,
  );
  for (const w of plan?.waves ?? [])
    io.stdout.write(`  wave ${w.index + 1} (${w.name}): ${w.clusters.join(', ')}\n`);
  return values.wait ? follow(c, d.id, io) : 0;
}

/** `portolan deployments <service>`: the history, newest first. */
export async function deploymentsCommand(
  args: string[],
  io: Io,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { limit: { type: 'string' } },
  });
  const [service] = positionals;
  if (!service) throw new DeployUsageError('portolan deployments <service>');
  const c = client(env);
  const { items } = await call<{ items: DeploymentJson[] }>(
    c,
    'GET',
    `/api/services/${encodeURIComponent(service)}/deployments?limit=${Number(values.limit ?? 20)}`,
  );
  if (items.length === 0) io.stdout.write(`no deployments of ${service}\n`);
  for (const d of items) {
    const s = d.state;
    const what = s.request?.version ?? Object.values(s.request?.images ?? {}).join(',');
    io.stdout.write(
      `${d.id}  ${s.requestedAt ?? ''}  ${s.status.padEnd(11)}  ${what}  by ${s.requestedBy ?? '?'}${s.external ? ' (external)' : ''}${s.failure ? `: ${s.failure.reason}` : ''}\n`,
    );
  }
  return 0;
}

function describeEvent(e: StoredEvent): string {
  switch (e.type) {
    case 'wave-started':
      return `wave ${e.wave + 1} started`;
    case 'cluster-changed':
      return `${e.cluster}: changed`;
    case 'cluster-ready':
      return `${e.cluster}: rollout complete, soaking`;
    case 'gate-passed':
      return `${e.cluster}: passed`;
    case 'gate-blocked':
      return `${e.cluster}: ${e.reason}`;
    case 'cluster-failed':
      return `${e.cluster}: FAILED: ${e.reason}`;
    case 'cluster-rolled-back':
      return `${e.cluster}: rolled back`;
    case 'failed':
      return `FAILED: ${e.reason}`;
    case 'approved':
      return `wave ${e.wave + 1} approved by ${e.actor}`;
    default:
      return `${e.type} by ${e.actor}${'reason' in e && e.reason ? `: ${e.reason}` : ''}`;
  }
}

/** The waves × clusters grid, one line per cluster. */
function grid(s: DeploymentState): string[] {
  const lines = [`${s.service}: ${s.status}`];
  for (const w of s.plan?.waves ?? []) {
    lines.push(`  wave ${w.index + 1} (${w.name})${w.requiresApproval ? ' [approval]' : ''}`);
    for (const name of w.clusters) {
      const c = s.clusters.find((x) => x.cluster === name);
      const why = c && c.status !== 'passed' && c.reason ? `  ${c.reason}` : '';
      lines.push(`    ${name.padEnd(24)} ${(c?.status ?? 'pending').padEnd(11)}${why}`);
    }
  }
  return lines;
}

async function follow(c: Client, id: string, io: Io): Promise<number> {
  const res = await fetch(`${c.url}/api/deployments/${encodeURIComponent(id)}/stream?after=0`, {
    headers: { ...c.headers, accept: 'text/event-stream' },
  });
  if (!res.ok || !res.body) throw parseErrorBody(res.status, await res.json().catch(() => undefined));
  const tty = (io.stdout as { isTTY?: boolean }).isTTY === true;
  let drawn = 0;
  let status = 'running';
  for await (const block of sseBlocks(res.body)) {
    if (block.event === 'event' && !tty) {
      const e = JSON.parse(block.data) as StoredEvent;
      // The request and its plan were printed when the deployment was created.
      if (e.type !== 'requested' && e.type !== 'planned') io.stdout.write(`${describeEvent(e)}\n`);
    }
    if (block.event === 'deployment') {
      const d = JSON.parse(block.data) as DeploymentJson;
      status = d.state.status;
      if (tty) {
        const lines = grid(d.state);
        // Move up over the previous grid and draw over it.
        io.stdout.write(`${drawn ? `\x1b[${drawn}F` : ''}${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n`);
        drawn = lines.length;
      }
      if (TERMINAL.has(status)) break;
    }
  }
  await res.body.cancel().catch(() => {});
  io.stdout.write(`${id}: ${status}\n`);
  return status === 'completed' || status === 'rolled-back' ? 0 : 1;
}
