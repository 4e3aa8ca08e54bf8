// `portolan explain [file... | -]`: the health rules of the portal, in the terminal, on objects
// piped from kubectl or saved to files. No portal, no cluster access needed.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  type ClusterObject,
  evaluateHealth,
  type Finding,
  rollUpByObject,
  type Severity,
  summarizeFindings,
} from '@portolan/core/health/index';
import { WATCHED_KINDS, type WatchedKind } from '@portolan/core/k8s/types';
import {
  expandedBudget,
  measureExpansion,
  parseYamlBounded,
  YAML_LIMITS,
  YamlLimitError,
  YamlSyntaxError,
} from '@portolan/core/yaml/bounded';
import { terminalSafe } from './terminal.ts';

export interface ExplainIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  now?: () => number;
}

const USAGE = `usage: portolan explain [file... | -] [--output text|json] [--cluster <name>] [--lifecycle <name>]

Reads Kubernetes objects (YAML or JSON: single objects, several documents, or a List as
"kubectl get -o json" prints it) from files or standard input, runs Portolan's health rules and
prints the findings grouped by object.

Exit codes:
  0  no critical finding
  1  at least one critical finding
  2  usage error (unknown option, bad value)
  3  the input could not be read: a missing file, invalid YAML or JSON, no objects, or YAML
     past Portolan's limits (aliases, nesting, size after expanding aliases)
  4  internal error (a bug: please report it with the input)

  kubectl get pods,deploy,rs,hpa,events -o json | portolan explain
  portolan explain --output json pod.yaml deploy.yaml
`;

class UsageError extends Error {}

/** Exit codes; 1 is reserved for "a critical finding", so nothing else may use it. */
export const EXIT = { ok: 0, critical: 1, usage: 2, input: 3, internal: 4 } as const;

interface Source {
  name: string;
  text: string;
}

interface Parsed {
  objects: ClusterObject[];
  ignored: Map<string, number>;
  errors: string[];
}

const KINDS = new Set<string>(WATCHED_KINDS);

export async function explainCommand(argv: string[], io: ExplainIo): Promise<number> {
  try {
    return await explain(argv, io);
  } catch (error) {
    // Never a stack trace, and never exit 1 (which means "critical finding") for a crash.
    io.stderr.write(
      `portolan explain: internal error: ${terminalSafe((error as Error).message ?? String(error))}\n`,
    );
    return EXIT.internal;
  }
}

async function explain(argv: string[], io: ExplainIo): Promise<number> {
  let options: { output: 'text' | 'json'; cluster: string; lifecycle?: string; files: string[] };
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (error instanceof HelpRequested) {
      io.stdout.write(USAGE);
      return EXIT.ok;
    }
    io.stderr.write(`portolan explain: ${terminalSafe((error as Error).message)}\n\n${USAGE}`);
    return EXIT.usage;
  }

  const sources: Source[] = [];
  const readErrors: string[] = [];
  const files = options.files.length ? options.files : ['-'];
  for (const file of files) {
    if (file === '-') {
      if ((io.stdin as { isTTY?: boolean }).isTTY) {
        io.stderr.write(
          'portolan explain: no input: name files, or pipe objects in (kubectl get pods,deploy,hpa -o json | portolan explain)\n',
        );
        return EXIT.usage;
      }
      sources.push({ name: '<stdin>', text: await readAll(io.stdin) });
      continue;
    }
    try {
      sources.push({ name: file, text: await readFile(file, 'utf8') });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      readErrors.push(
        `${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message}`,
      );
    }
  }

  const parsed: Parsed = { objects: [], ignored: new Map(), errors: [...readErrors] };
  for (const source of sources) parseSource(source, options.cluster, parsed);
  if (parsed.errors.length) {
    for (const e of parsed.errors) io.stderr.write(`portolan explain: ${terminalSafe(e)}\n`);
    return EXIT.input;
  }

  const now = io.now?.() ?? Date.now();
  const findings = evaluateHealth(
    parsed.objects,
    now,
    options.lifecycle ? { lifecycle: options.lifecycle } : {},
  );
  const checked = parsed.objects.filter((o) => o.kind !== 'Event').length;
  if (options.output === 'json') {
    const body = {
      cluster: options.cluster,
      checked,
      ignored: Object.fromEntries(parsed.ignored),
      summary: summarizeFindings(findings),
      findings,
    };
    io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  } else {
    const color = (io.stdout as { isTTY?: boolean }).isTTY === true && !process.env.NO_COLOR;
    io.stdout.write(formatText(findings, { checked, ignored: parsed.ignored, color }));
  }
  return findings.some((f) => f.severity === 'critical') ? EXIT.critical : EXIT.ok;
}

class HelpRequested extends Error {}

function parseOptions(argv: string[]) {
  let values: { output?: string; cluster?: string; lifecycle?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        output: { type: 'string', short: 'o' },
        cluster: { type: 'string' },
        lifecycle: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) throw new HelpRequested();
  const output = values.output ?? 'text';
  if (output !== 'text' && output !== 'json')
    throw new UsageError(`--output must be text or json, not "${output}"`);
  const cluster = values.cluster ?? 'local';
  if (cluster.trim() === '') throw new UsageError('--cluster needs a name');
  return {
    output: output as 'text' | 'json',
    cluster,
    files: positionals,
    ...(values.lifecycle ? { lifecycle: values.lifecycle } : {}),
  };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseSource(source: Source, cluster: string, out: Parsed): void {
  const text = source.text.replace(/^\uFEFF/, '');
  if (text.trim() === '') {
    out.errors.push(`${source.name}: no objects (the input is empty)`);
    return;
  }
  const values: unknown[] = [];
  if (/^\s*[[{]/.test(text)) {
    try {
      const parsed = jsonValues(text);
      // JSON has no aliases, but its nesting is as untrusted as YAML's.
      const budget = { maxDepth: YAML_LIMITS.maxDepth, maxBytes: expandedBudget(text) };
      for (const value of parsed) measureExpansion(value, budget);
      values.push(...parsed);
    } catch (error) {
      out.errors.push(
        `${source.name}: ${error instanceof YamlLimitError ? 'refused JSON' : 'invalid JSON'}: ${(error as Error).message}`,
      );
      return;
    }
  } else {
    try {
      values.push(...parseYamlBounded(text));
    } catch (error) {
      if (error instanceof YamlLimitError || error instanceof YamlSyntaxError) {
        const what = error instanceof YamlLimitError ? 'refused YAML' : 'invalid YAML';
        out.errors.push(`${source.name}:${error.line}: ${what}: ${error.message}`);
        return;
      }
      throw error;
    }
  }
  const before = out.objects.length + countIgnored(out.ignored);
  for (const value of values) collect(value, undefined, source.name, cluster, out);
  if (out.objects.length + countIgnored(out.ignored) === before && out.errors.length === 0) {
    out.errors.push(`${source.name}: no Kubernetes objects found (expected objects with a "kind")`);
  }
}

/**
 * One JSON value, or several written one after another: `kubectl get -w -o json` prints one
 * object per change, and kubectl reads files of concatenated objects as it reads YAML documents.
 */
function jsonValues(text: string): unknown[] {
  try {
    return [JSON.parse(text)];
  } catch (error) {
    const parts = splitTopLevel(text);
    if (parts.length < 2) throw error;
    return parts.map((part) => JSON.parse(part));
  }
}

/** Cuts text into its top-level JSON objects and arrays (strings and escapes respected). */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0 && start >= 0) {
        parts.push(text.slice(start, i + 1));
        start = -1;
      }
      if (depth < 0) return [];
    } else if (depth === 0 && !/\s/.test(c ?? '')) return [];
  }
  return depth === 0 ? parts : [];
}

function countIgnored(ignored: Map<string, number>): number {
  let n = 0;
  for (const v of ignored.values()) n += v;
  return n;
}

function collect(
  value: unknown,
  listKind: string | undefined,
  name: string,
  cluster: string,
  out: Parsed,
): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (const v of value) collect(v, listKind, name, cluster, out);
    return;
  }
  if (typeof value !== 'object') {
    out.errors.push(
      `${name}: expected Kubernetes objects, found ${typeof value} ${JSON.stringify(value).slice(0, 40)}`,
    );
    return;
  }
  const object = value as Record<string, unknown>;
  const kind = typeof object.kind === 'string' ? object.kind : listKind;
  // kubectl prints "List"; the API itself returns "PodList" etc. whose items carry no kind.
  if (kind?.endsWith('List') && Array.isArray(object.items)) {
    const itemKind = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
    for (const item of object.items) collect(item, itemKind, name, cluster, out);
    return;
  }
  if (!kind) {
    out.errors.push(`${name}: an object has no "kind"${metaName(object)}`);
    return;
  }
  if (!KINDS.has(kind)) {
    out.ignored.set(kind, (out.ignored.get(kind) ?? 0) + 1);
    return;
  }
  const normalized = kind === 'Event' ? normalizeEvent(object) : object;
  out.objects.push({ cluster, kind: kind as WatchedKind, object: normalized } as ClusterObject);
}

function metaName(o: Record<string, unknown>): string {
  const name = (o.metadata as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? ` (metadata.name ${name})` : '';
}

/** events.k8s.io/v1 Events name their fields differently from core/v1; the rules read core/v1. */
function normalizeEvent(o: Record<string, unknown>): Record<string, unknown> {
  if (o.involvedObject || !o.regarding) return o;
  return {
    ...o,
    involvedObject: o.regarding,
    message: o.message ?? o.note,
    lastTimestamp: o.lastTimestamp ?? o.deprecatedLastTimestamp ?? o.eventTime,
    count: o.count ?? o.deprecatedCount ?? (o.series as { count?: number } | undefined)?.count,
  };
}

// ---- text output ------------------------------------------------------------------------------

const LABEL: Record<Severity, string> = { critical: 'CRITICAL', warning: 'WARNING ', info: 'INFO    ' };
const COLOR: Record<Severity, string> = {
  critical: '\u001b[31;1m',
  warning: '\u001b[33m',
  info: '\u001b[36m',
};
const RESET = '\u001b[0m';
const BOLD = '\u001b[1m';

function formatDetail(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(String).join(', ');
  if (typeof value === 'object')
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${String(v)}`)
      .join('; ');
  return String(value);
}

function evidenceLines(f: Finding): [string, string][] {
  const e = f.evidence;
  const lines: [string, string][] = [];
  const facts: string[] = [];
  if (e.container) facts.push(`container ${e.container}`);
  if (e.exitCode !== undefined) facts.push(`exit code ${e.exitCode}`);
  if (e.signal !== undefined) facts.push(`signal ${e.signal}`);
  if (e.reason) facts.push(`reason ${e.reason}`);
  if (e.restartCount !== undefined) facts.push(`restarts ${e.restartCount}`);
  if (e.memoryLimit) facts.push(`memory limit ${e.memoryLimit}`);
  if (e.image) facts.push(`image ${e.image}`);
  if (facts.length) lines.push(['evidence', facts.join(' · ')]);
  if (e.message) lines.push(['message', e.message]);
  for (const c of e.conditions ?? []) {
    if (c.message && c.message !== e.message)
      lines.push(['condition', `${c.type ?? ''}=${c.status ?? ''} ${c.reason ?? ''}: ${c.message}`]);
  }
  const details: string[] = [];
  for (const [k, v] of Object.entries(e.details ?? {})) {
    const text = formatDetail(v);
    if (text === '') continue;
    // Maps (images by cluster...) get a line of their own; figures share one.
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) lines.push([k, text]);
    else details.push(`${k} ${text}`);
  }
  if (details.length) lines.push(['details', details.join(' · ')]);
  for (const ev of e.events ?? []) {
    lines.push([
      'event',
      `${ev.type ?? ''} ${ev.reason ?? ''}${ev.count && ev.count > 1 ? ` (x${ev.count})` : ''}: ${ev.message ?? ''}`,
    ]);
  }
  for (const line of e.logTail ?? []) lines.push(['log', `| ${line}`]);
  if (f.pods && (f.count ?? 0) > 1) {
    const more = (f.count ?? 0) - f.pods.length;
    lines.push(['pods', `${f.pods.join(', ')}${more > 0 ? ` and ${more} more` : ''}`]);
  }
  return lines;
}

export function formatText(
  findings: Finding[],
  o: { checked: number; ignored: Map<string, number>; color: boolean },
): string {
  const paint = (s: string, code: string) => (o.color ? `${code}${s}${RESET}` : s);
  const out: string[] = [];
  for (const group of rollUpByObject(findings)) {
    const ref = group.findings[0]!.object;
    const where = ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
    // Kinds come from ownerReferences too: as untrusted as any other string.
    out.push(`${paint(terminalSafe(`${ref.kind} ${where}`), BOLD)}  (cluster ${terminalSafe(ref.cluster)})`);
    for (const f of group.findings) {
      out.push(`  ${paint(LABEL[f.severity], COLOR[f.severity])}  ${f.rule}  ${terminalSafe(f.summary)}`);
      out.push(`      why       ${terminalSafe(f.explanation)}`);
      f.nextSteps.forEach((step, i) => {
        out.push(`      ${i === 0 ? 'next     ' : '         '} - ${terminalSafe(step)}`);
      });
      for (const [label, text] of evidenceLines(f))
        out.push(`      ${label.padEnd(9)} ${terminalSafe(text)}`);
    }
    out.push('');
  }
  const s = summarizeFindings(findings);
  const ignored = [...o.ignored].map(([k, n]) => `${k} (${n})`).join(', ');
  const checked = `${o.checked} object${o.checked === 1 ? '' : 's'} checked`;
  if (s.total === 0) out.push(`No problems found; ${checked}.`);
  else
    out.push(
      `${s.total} finding${s.total === 1 ? '' : 's'} (${s.critical} critical, ${s.warning} warning, ${s.info} info) on ${
        rollUpByObject(findings).length
      } object(s); ${checked}.`,
    );
  if (ignored) out.push(`Ignored kinds Portolan does not check: ${terminalSafe(ignored)}.`);
  return `${out.join('\n')}\n`;
}
