// Synthetic container logs. A container "writes" one line every LINE_MS from its start, so any
// window (tailLines, sinceSeconds, follow) is computed rather than stored; text is a pure
// function of pod, container and line number, so the same request gives the same answer.

import { hashString } from '../random.ts';
import type { Obj } from './store.ts';

export const LINE_MS = 2000;
/** The kubelet keeps bounded logs; so do we. */
const MAX_LINES = 5000;

export class LogError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

interface PodLike {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: { containers?: { name?: string; image?: string }[] };
  status?: {
    phase?: string;
    startTime?: string;
    containerStatuses?: {
      name?: string;
      restartCount?: number;
      state?: {
        running?: { startedAt?: string };
        waiting?: { reason?: string };
        terminated?: { startedAt?: string; finishedAt?: string; exitCode?: number };
      };
      lastState?: {
        terminated?: { startedAt?: string; finishedAt?: string; exitCode?: number; reason?: string };
      };
    }[];
  };
}

export interface LogWindow {
  container: string;
  /** Start of the container run whose logs are shown, ms. */
  start: number;
  /** End of that run (terminated), or undefined while running. */
  end: number | undefined;
  crashed: boolean;
  exitCode: number;
  seed: string;
}

const PATHS = [
  '/v1/items',
  '/v1/search',
  '/v1/users/me',
  '/healthz',
  '/v2/playlists',
  '/v1/tracks',
  '/metrics',
];
const MESSAGES = [
  'cache refreshed',
  'flushed metrics batch',
  'connection pool stats active=12 idle=4',
  'consumer lag within bounds',
  'config reloaded',
  'gc pause 3ms',
];

export function logLine(w: LogWindow, i: number, timestamps: boolean): string {
  const ts = new Date(w.start + i * LINE_MS).toISOString();
  const h = hashString(`${w.seed}:${i}`);
  let text: string;
  if (i === 0) text = `INFO  starting ${w.container} (pid 1)`;
  else if (i === 1) text = `INFO  listening on :8080`;
  else if (h % 10 < 7) {
    const status = h % 97 === 0 ? 503 : h % 31 === 0 ? 404 : 200;
    text = `${status >= 500 ? 'ERROR' : 'INFO '} ${['GET', 'POST', 'GET', 'PUT'][h % 4]} ${PATHS[h % PATHS.length]} ${status} ${(h % 180) + 2}ms`;
  } else if (h % 10 < 9) text = `INFO  ${MESSAGES[h % MESSAGES.length]}`;
  else text = `WARN  slow upstream call took ${(h % 900) + 300}ms`;
  return timestamps ? `${ts} ${ts.slice(11, 23)} ${text}` : `${ts.slice(0, 19)}Z ${text}`;
}

function crashLine(w: LogWindow, timestamps: boolean): string {
  const ts = new Date(w.end ?? w.start).toISOString();
  const text = `FATAL unrecoverable error: failed to connect to upstream: dial tcp 10.0.0.1:5432: connect: connection refused (exit code ${w.exitCode})`;
  return timestamps ? `${ts} ${text}` : `${ts.slice(0, 19)}Z ${text}`;
}

/** Which container run the request is about, or the error the kubelet would give. */
export function logWindow(pod: Obj, containerParam: string | undefined, previous: boolean): LogWindow {
  const p = pod as PodLike;
  const podName = p.metadata?.name ?? '';
  const containers = (p.spec?.containers ?? []).map((c) => c.name ?? '');
  let container = containerParam;
  if (!container) {
    if (containers.length === 1) container = containers[0]!;
    else {
      const def = p.metadata?.labels?.['kubectl.kubernetes.io/default-container'];
      if (def) container = def;
      else {
        throw new LogError(
          400,
          `a container name must be specified for pod ${podName}, choose one of: [${containers.join(' ')}]`,
        );
      }
    }
  }
  if (!containers.includes(container)) {
    throw new LogError(400, `container ${container} is not valid for pod ${podName}`);
  }
  const cs = p.status?.containerStatuses?.find((c) => c.name === container);
  const seed = `${p.metadata?.namespace}/${podName}/${container}`;
  if (previous) {
    const last = cs?.lastState?.terminated;
    if (!last)
      throw new LogError(400, `previous terminated container "${container}" in pod "${podName}" not found`);
    const end = Date.parse(last.finishedAt ?? '') || Date.now();
    const start = Date.parse(last.startedAt ?? '') || end - 30_000;
    return {
      container,
      start,
      end,
      crashed: (last.exitCode ?? 0) !== 0,
      exitCode: last.exitCode ?? 1,
      seed: `${seed}/prev`,
    };
  }
  const st = cs?.state;
  if (!cs || st?.waiting) {
    const reason = st?.waiting?.reason ?? 'ContainerCreating';
    // A crash-looping container still has its last run's log, as with a real kubelet.
    if (reason === 'CrashLoopBackOff' && cs?.lastState?.terminated) return logWindow(pod, container, true);
    const detail =
      reason === 'ImagePullBackOff' || reason === 'ErrImagePull'
        ? 'trying and failing to pull image'
        : reason;
    throw new LogError(400, `container "${container}" in pod "${podName}" is waiting to start: ${detail}`);
  }
  if (st?.terminated) {
    const end = Date.parse(st.terminated.finishedAt ?? '') || Date.now();
    const start = Date.parse(st.terminated.startedAt ?? '') || end - 30_000;
    return {
      container,
      start,
      end,
      crashed: (st.terminated.exitCode ?? 0) !== 0,
      exitCode: st.terminated.exitCode ?? 0,
      seed,
    };
  }
  const start = Date.parse(st?.running?.startedAt ?? p.status?.startTime ?? '') || Date.now();
  return { container, start, end: undefined, crashed: false, exitCode: 0, seed };
}

export interface LogQuery {
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: string;
  timestamps: boolean;
  limitBytes?: number;
}

/** The lines already written at `now`, filtered, and the index of the next line to come. */
export function existingLines(w: LogWindow, q: LogQuery, now: number): { lines: string[]; next: number } {
  const until = w.end ?? now;
  const count = Math.max(0, Math.floor((until - w.start) / LINE_MS) + 1);
  let first = Math.max(0, count - MAX_LINES);
  const since =
    q.sinceSeconds !== undefined
      ? now - q.sinceSeconds * 1000
      : q.sinceTime
        ? Date.parse(q.sinceTime)
        : undefined;
  if (since !== undefined && since > w.start) first = Math.max(first, Math.ceil((since - w.start) / LINE_MS));
  const lines: string[] = [];
  for (let i = first; i < count; i++) lines.push(logLine(w, i, q.timestamps));
  if (w.crashed && w.end !== undefined) lines.push(crashLine(w, q.timestamps));
  const tail =
    q.tailLines !== undefined && q.tailLines >= 0
      ? lines.slice(Math.max(0, lines.length - q.tailLines))
      : lines;
  return { lines: tail, next: count };
}
