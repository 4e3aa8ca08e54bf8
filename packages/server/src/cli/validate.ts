// `portolan catalog validate`: what CI runs before merging descriptors. Takes files, folders
// (every catalog-info.yaml below, and every other *.yaml that looks like a descriptor) and globs;
// reads them together as the catalog would, so a ref defined twice is reported once, on the
// definition that loses; prints `file:line:column: message`, JSON, or GitHub annotations.
import { glob, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import {
  assembleCatalog,
  formatProblem,
  MAX_FILE_BYTES,
  type ParsedFile,
  type Problem,
  parseDescriptorFile,
  placeholderKey,
  type SourceFile,
} from '@portolan/core/catalog/index';
import { lookupPlaceholders, NO_FETCH } from '../catalog/placeholders.ts';
import type { Io } from './io.ts';
import { terminalSafe } from './terminal.ts';

const USAGE =
  'usage: portolan catalog validate [--format text|json|github] [--refs] [--root <dir>] <file|folder|glob...>\n';
const SKIP_DIRS = new Set(['node_modules', '.git']);
const isGlob = (s: string) => /[*?[\]{}]/.test(s);
/** A *.yaml file other than catalog-info.yaml is read only when it looks like a descriptor. */
const LOOKS_LIKE_DESCRIPTOR = /^apiVersion:/m;

type Format = 'text' | 'json' | 'github';

async function walk(dir: string, found: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    if (e.isDirectory() && !SKIP_DIRS.has(e.name)) await walk(join(dir, e.name), found);
    else if (e.isFile() && e.name.endsWith('.yaml')) found.push(join(dir, e.name));
  }
}

/** The files named by the arguments, in order, each once; `explicit` ones are always read. */
async function expand(
  args: string[],
): Promise<{ files: string[]; explicit: Set<string>; missing: string[] }> {
  const files: string[] = [];
  const explicit = new Set<string>();
  const missing: string[] = [];
  const add = (f: string, named: boolean) => {
    if (!files.includes(f)) files.push(f);
    if (named) explicit.add(f);
  };
  for (const arg of args) {
    if (isGlob(arg)) {
      const matches: string[] = [];
      for await (const m of glob(arg)) matches.push(m);
      if (matches.length === 0) missing.push(arg);
      for (const m of matches.sort()) add(m, true);
      continue;
    }
    const info = await stat(arg).catch(() => undefined);
    if (!info) missing.push(arg);
    else if (info.isDirectory()) {
      const found: string[] = [];
      await walk(arg, found);
      for (const f of found) add(f, f.endsWith(`${sep}catalog-info.yaml`) || f === 'catalog-info.yaml');
    } else add(arg, true);
  }
  return { files, explicit, missing };
}

const problemAt = (file: string, message: string): Problem => ({
  file,
  line: 1,
  column: 1,
  severity: 'error',
  message,
});

/** Reads and parses one file; placeholders are read beside it, inside `root` (never fetched). */
async function parseFile(path: string, root: string): Promise<ParsedFile | Problem> {
  const info = await stat(path);
  if (info.size > MAX_FILE_BYTES)
    return problemAt(path, `file is ${info.size} bytes; at most 1 MiB is allowed`);
  const text = await readFile(path, 'utf8');
  let parsed = parseDescriptorFile(path, text);
  if (parsed.placeholders) {
    const values = await lookupPlaceholders(parsed.placeholders, {
      config: NO_FETCH,
      readRelative: async (target) => {
        const real = await realpath(resolve(dirname(path), target));
        if (real !== root && !real.startsWith(root + sep)) throw new Error(`${target} is outside ${root}`);
        return readFile(real, 'utf8');
      },
    });
    parsed = parseDescriptorFile(path, text, { placeholders: (p) => values.get(placeholderKey(p)) });
  }
  return parsed;
}

// GitHub workflow commands: https://docs.github.com/actions/reference/workflow-commands-for-github-actions
const ghData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const ghProperty = (s: string) => ghData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

function format(p: Problem, as: Format): string {
  if (as === 'json') return JSON.stringify(p);
  if (as === 'github') {
    const file = relative(process.cwd(), p.file) || p.file;
    return `::${p.severity} file=${ghProperty(file)},line=${p.line},col=${p.column}::${ghData(terminalSafe(p.message))}`;
  }
  // Messages quote the descriptor (an unknown kind, a bad name): as untrusted as the file.
  return terminalSafe(formatProblem(p));
}

export async function validateCommand(argv: string[], io: Io): Promise<number> {
  let values: { format?: string; refs?: boolean; root?: string };
  let paths: string[];
  try {
    ({ values, positionals: paths } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { format: { type: 'string' }, refs: { type: 'boolean' }, root: { type: 'string' } },
    }));
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const as = (values.format ?? 'text') as Format;
  if (paths.length === 0 || !['text', 'json', 'github'].includes(as)) {
    io.stderr.write(USAGE);
    return 2;
  }
  const root = await realpath(values.root ?? process.cwd()).catch(() => undefined);
  if (!root) {
    io.stderr.write(`--root ${values.root}: no such folder\n`);
    return 2;
  }
  const { files, explicit, missing } = await expand(paths);
  const found: Problem[] = missing.map((m) => problemAt(m, isGlob(m) ? 'no file matches' : 'no such file'));
  const sources: SourceFile[] = [];
  for (const path of files) {
    if (!explicit.has(path)) {
      const head = await readFile(path, 'utf8').catch(() => '');
      if (!LOOKS_LIKE_DESCRIPTOR.test(head)) continue;
    }
    try {
      const parsed = await parseFile(path, root);
      if ('documents' in parsed) sources.push({ location: 'validate', parsed });
      else found.push(parsed);
    } catch (error) {
      found.push(problemAt(path, (error as Error).message));
    }
  }
  // Read together, as the catalog would: conflicts once (on the losing definition), and the
  // warnings each entity carries (placeholders kept as written; with --refs, dangling refs).
  const { records, problems } = assembleCatalog({
    files: sources,
    unreadable: [],
    previous: new Map(),
    orphanStrategy: () => 'delete',
  });
  found.push(...problems);
  for (const [ref, record] of records) {
    for (const p of record.problems) {
      if (p.conflict || p.file === undefined) continue;
      if (!values.refs && p.message.endsWith('does not exist in the catalog')) continue;
      found.push({
        file: p.file,
        line: p.line ?? 1,
        column: p.column ?? 1,
        severity: p.severity,
        message: p.message,
        entityRef: ref,
      });
    }
  }
  found.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  const unique = [...new Map(found.map((p) => [formatProblem(p), p])).values()];
  const errors = unique.filter((p) => p.severity === 'error').length;
  const entities = records.size;
  if (as === 'json') {
    io.stdout.write(
      `${JSON.stringify({ files: sources.length, entities, errors, problems: unique }, null, 2)}\n`,
    );
  } else {
    for (const p of unique) io.stdout.write(`${format(p, as)}\n`);
  }
  io.stderr.write(
    `${sources.length} file(s), ${entities} valid entit${entities === 1 ? 'y' : 'ies'}, ${errors} problem(s)\n`,
  );
  return errors > 0 ? 1 : 0;
}
