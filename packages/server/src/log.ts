// The server's one logging interface, and the pino logger that implements it: JSON lines for
// machines, or short human-readable lines for a person at a terminal.
import pino, { type DestinationStream } from 'pino';

/** What server code logs through. pino's logger satisfies it, and so does a test's recorder. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Fields that could carry a credential, replaced before a line is written. Cluster tokens are
 * named by environment variable in the config and never logged; this is the net under that.
 */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'token',
  '*.token',
  'password',
  '*.password',
  'connection',
  '*.connection',
];

export interface CreateLoggerOptions {
  level?: string;
  /** Human-readable lines instead of JSON (for a terminal). */
  pretty?: boolean;
  /** Where lines go (default: standard output). */
  destination?: { write(line: string): unknown };
}

export function createLogger(options: CreateLoggerOptions = {}): pino.Logger {
  const settings = { level: options.level ?? 'info', redact: { paths: REDACT, censor: '[redacted]' } };
  const out = options.destination ?? (options.pretty ? process.stdout : undefined);
  if (options.pretty && out) return pino(settings, prettyStream(out));
  return out ? pino(settings, out as DestinationStream) : pino(settings);
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
const COLOURS: Record<number, string> = { 40: '\x1b[33m', 50: '\x1b[31m', 60: '\x1b[31m' };
const OMIT = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'err']);

/**
 * Log messages repeat what clusters, descriptors and users said; on a terminal a control
 * character in them could move the cursor or rewrite earlier lines, so each is shown escaped.
 */
function printable(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function fieldValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return printable(typeof value === 'string' && /[\s"=]/.test(text) ? JSON.stringify(text) : text);
}

/** One JSON log line as `12:04:05 WARN  message  key=value ...`. */
export function formatLine(json: string, colour = false): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return printable(json);
  }
  const level = typeof entry.level === 'number' ? entry.level : 30;
  const time = typeof entry.time === 'number' ? new Date(entry.time).toTimeString().slice(0, 8) : '';
  const fields = Object.entries(entry)
    .filter(([key]) => !OMIT.has(key))
    .map(([key, value]) => `${printable(key)}=${fieldValue(value)}`);
  const err = entry.err as { message?: string; stack?: string } | undefined;
  if (err?.message) fields.push(`err=${fieldValue(err.message)}`);
  const name = LEVEL_NAMES[level] ?? String(level);
  const head = colour && COLOURS[level] ? `${COLOURS[level]}${name}\x1b[0m` : name;
  const line = `${time} ${head} ${printable(String(entry.msg ?? ''))}${fields.length > 0 ? `  ${fields.join(' ')}` : ''}`;
  // A stack is only worth its lines for errors; escaped per line, so it cannot hide anything.
  return level >= 50 && err?.stack
    ? `${line}\n${err.stack
        .split('\n')
        .slice(1)
        .map((l) => `    ${printable(l.trim())}`)
        .join('\n')}`
    : line;
}

function prettyStream(out: { write(line: string): unknown }): DestinationStream {
  const colour = (out as { isTTY?: boolean }).isTTY === true;
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line) out.write(`${formatLine(line, colour)}\n`);
    },
  };
}
