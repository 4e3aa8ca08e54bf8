// Reads every configured location and the Location entities they contain, in order, and
// parses each descriptor file once. All file access goes through `Reader`s that refuse paths
// outside the catalog root, including through symlinks.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { glob, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import {
  entityRef,
  MAX_FILE_BYTES,
  type ParsedFile,
  type Problem,
  parseDescriptorFile,
  placeholderKey,
  type SourceFile,
} from '@portolan/core/catalog/index';
import type { LocationConfig } from '../config/schema.ts';
import { lookupPlaceholders, NO_FETCH, type PlaceholderConfig } from './placeholders.ts';

const run = promisify(execFile);
const DESCRIPTOR = 'catalog-info.yaml';
const SKIP_DIRS = new Set(['node_modules', '.git']);
/** Files one glob target may match; a broader glob is refused rather than read. */
export const MAX_GLOB_MATCHES = 5000;

export type LocatedProblem = Problem & { location: string };

/**
 * Reads files beside one descriptor (docs, definitions), through the reader that read the
 * descriptor: inside the catalog root, or inside the repository at the same revision.
 */
export interface BesideReader {
  /** Text of a file, by a path relative to the descriptor's folder. */
  read(relative: string): Promise<string>;
  readBytes(relative: string): Promise<Buffer>;
  /** Files below a folder (relative to the descriptor's folder), as paths relative to that folder. */
  list(relative: string): Promise<string[]>;
}

export interface CollectResult {
  files: SourceFile[];
  /** A reader beside each descriptor file, by the file's id. */
  beside: Map<string, BesideReader>;
  unreadable: { location: string; file: string; message: string }[];
  problems: LocatedProblem[];
}

export function locationKey(l: Pick<LocationConfig, 'type' | 'target'>): string {
  return `${l.type}:${l.target}`;
}

/** A location's id in the catalog API: a UUID-shaped digest of its key, stable everywhere. */
export function locationId(l: Pick<LocationConfig, 'type' | 'target'>): string {
  const h = createHash('sha256')
    .update(`portolan-location\0${locationKey(l)}`)
    .digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Where descriptor files come from: the file system under a root, or one commit of a git repo. */
interface Reader {
  /** A stable id for the file, shown to users (relative to the catalog root). */
  id(path: string): string;
  read(path: string): Promise<string>;
  readBytes(path: string): Promise<Buffer>;
  /** Every file below a folder, as absolute paths (repository paths for git). */
  listFiles(dir: string): Promise<string[]>;
  /** Files a Location target names, relative to the referring file's folder. */
  expand(target: string, fromDir: string): Promise<string[]>;
}

const isGlob = (s: string) => /[*?[\]{}]/.test(s);

class OutsideRootError extends Error {}

/** The folders of a pattern before its first glob character: all a glob can list is below it. */
function globBase(pattern: string): { base: string; rest: string } {
  const parts = pattern.split(sep);
  const first = parts.findIndex(isGlob);
  return { base: parts.slice(0, first).join(sep) || sep, rest: parts.slice(first).join(sep) };
}

class FileReader implements Reader {
  readonly root: string;
  constructor(root: string) {
    this.root = root;
  }
  id(path: string): string {
    return relative(this.root, path).split(sep).join('/');
  }
  async inside(path: string): Promise<string> {
    const real = await realpath(path);
    if (real !== this.root && !real.startsWith(this.root + sep)) {
      // Named as written relative to the root, never by the host path it resolves to.
      const shown = this.#lexicallyInside(path) ? this.id(path) : 'the target';
      throw new OutsideRootError(
        `${shown} is outside the catalog root${real === path ? '' : ' (through a symlink)'}`,
      );
    }
    return real;
  }
  async read(path: string): Promise<string> {
    const real = await this.inside(path);
    const info = await stat(real);
    if (info.size > MAX_FILE_BYTES) {
      throw new TooLargeError(
        `file is ${info.size} bytes; descriptor files may be at most ${MAX_FILE_BYTES} bytes (1 MiB)`,
      );
    }
    return readFile(real, 'utf8');
  }
  async readBytes(path: string): Promise<Buffer> {
    const real = await this.inside(path);
    const info = await stat(real);
    if (info.size > MAX_FILE_BYTES * 8) throw new TooLargeError(`file is ${info.size} bytes; at most 8 MiB`);
    return readFile(real);
  }
  async listFiles(dir: string): Promise<string[]> {
    const found: string[] = [];
    const visit = async (d: string, depth: number) => {
      if (depth > 20 || found.length > 20_000) return;
      const entries = await readdir(d, { withFileTypes: true });
      for (const e of entries) {
        if (e.isDirectory() && !SKIP_DIRS.has(e.name)) await visit(join(d, e.name), depth + 1);
        else if (e.isFile()) found.push(join(d, e.name));
      }
    };
    const real = await this.inside(dir);
    await visit(real, 0);
    // Listed through the real folder: report paths under the folder as named.
    return found.map((f) => join(dir, relative(real, f))).sort();
  }
  #lexicallyInside(path: string): boolean {
    return path === this.root || path.startsWith(this.root + sep);
  }
  async expand(target: string, fromDir: string): Promise<string[]> {
    const absolute = isAbsolute(target) ? target : resolve(fromDir, target);
    if (!isGlob(target)) {
      if (!this.#lexicallyInside(absolute)) throw new OutsideRootError('is outside the catalog root');
      return [absolute];
    }
    // The root is checked before anything is listed: a glob must start inside it, and its
    // pattern part may not climb out (".." inside braces or after a wildcard is not normalised
    // away by resolve()).
    const { base, rest } = globBase(absolute);
    if (!this.#lexicallyInside(base) || /(^|[/{,])\.\.($|[/},])/.test(rest.split(sep).join('/'))) {
      throw new OutsideRootError('is outside the catalog root');
    }
    try {
      await this.inside(base);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      if (error instanceof OutsideRootError) throw new OutsideRootError('is outside the catalog root');
      throw error;
    }
    const matches: string[] = [];
    for await (const m of glob(absolute)) {
      if (matches.length === MAX_GLOB_MATCHES) {
        throw new Error(`${target} matches more than ${MAX_GLOB_MATCHES} files; narrow the glob`);
      }
      matches.push(m);
    }
    // A match reached through a symlink that leads outside is dropped unnamed, so that a glob
    // cannot tell what exists out there.
    const inside: string[] = [];
    for (const m of matches) {
      if (!this.#lexicallyInside(m)) continue;
      try {
        await this.inside(m);
        inside.push(m);
      } catch {
        // outside the root or gone since it was listed: not a match
      }
    }
    return inside.sort();
  }
  async walk(dir: string): Promise<string[]> {
    const found: string[] = [];
    const visit = async (d: string) => {
      const entries = await readdir(d, { withFileTypes: true });
      entries.sort((a, b) => a.name.localeCompare(b.name));
      for (const e of entries) {
        if (e.isDirectory() && !SKIP_DIRS.has(e.name)) await visit(join(d, e.name));
        else if (e.name === DESCRIPTOR && (e.isFile() || e.isSymbolicLink())) found.push(join(d, e.name));
      }
    };
    await visit(await this.inside(dir));
    return found;
  }
}

class TooLargeError extends Error {}

/** git failed; the message is git's own first line, never the command line or host paths. */
class GitError extends Error {}

async function git(repo: string, args: string[], options: { maxBuffer: number }): Promise<string> {
  try {
    const { stdout } = await run('git', ['-C', repo, ...args], { ...options, encoding: 'utf8' });
    return stdout;
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '');
    const first = stderr.split('\n').find((l) => l.trim() !== '') ?? 'git failed';
    throw new GitError(`git: ${first.replaceAll(repo, '<repository>')}`);
  }
}

/** A git revision as a location may name it: never something git could read as an option. */
const REVISION = /^[A-Za-z0-9_@][^\s\0-\x1f\x7f\\:]{0,254}$/;

class GitReader implements Reader {
  readonly repo: string;
  /** The repository as shown to users: relative to the catalog root. */
  readonly name: string;
  readonly rev: string;
  readonly #files: Set<string>;
  constructor(repo: string, name: string, rev: string, files: string[]) {
    this.repo = repo;
    this.name = name;
    this.rev = rev;
    this.#files = new Set(files);
  }
  static async open(repo: string, name: string, rev: string): Promise<GitReader> {
    // A revision starting with "-" would reach git as an option (--output=... writes a file).
    // It is refused, and --end-of-options tells git that what follows is a revision anyway.
    if (!REVISION.test(rev) || rev.includes('..')) {
      throw new GitError(`"${rev}" is not a revision Portolan reads (a branch, tag or commit)`);
    }
    const stdout = await git(repo, ['ls-tree', '-r', '-z', '--name-only', '--end-of-options', rev], {
      maxBuffer: 256 * 1024 * 1024,
    });
    return new GitReader(repo, name, rev, stdout.split('\0').filter(Boolean));
  }
  id(path: string): string {
    return `${this.name}#${this.rev}:${path}`;
  }
  descriptors(): string[] {
    return [...this.#files].filter((f) => posix.basename(f) === DESCRIPTOR).sort();
  }
  async read(path: string): Promise<string> {
    if (!this.#files.has(path))
      throw Object.assign(new Error('not found in the repository'), { code: 'ENOENT' });
    const stdout = await git(this.repo, ['cat-file', '-p', '--end-of-options', `${this.rev}:${path}`], {
      maxBuffer: MAX_FILE_BYTES * 4,
    });
    if (Buffer.byteLength(stdout) > MAX_FILE_BYTES) {
      throw new TooLargeError(`file is over ${MAX_FILE_BYTES} bytes (1 MiB)`);
    }
    return stdout;
  }
  async readBytes(path: string): Promise<Buffer> {
    if (!this.#files.has(path))
      throw Object.assign(new Error('not found in the repository'), { code: 'ENOENT' });
    try {
      const args = ['-C', this.repo, 'cat-file', '-p', '--end-of-options', `${this.rev}:${path}`];
      return (await run('git', args, { maxBuffer: MAX_FILE_BYTES * 8, encoding: 'buffer' })).stdout;
    } catch {
      throw new GitError(`git: cannot read ${path} at ${this.rev}`);
    }
  }
  async listFiles(dir: string): Promise<string[]> {
    const prefix = dir === '.' || dir === '' ? '' : `${posix.normalize(dir).replace(/\/$/, '')}/`;
    return [...this.#files].filter((f) => f.startsWith(prefix)).sort();
  }
  async expand(target: string, fromDir: string): Promise<string[]> {
    const joined = posix.normalize(posix.join(fromDir, target));
    if (joined.startsWith('..') || posix.isAbsolute(target)) {
      throw new OutsideRootError('is outside the repository');
    }
    if (!isGlob(target)) return [joined];
    return [...this.#files].filter((f) => posix.matchesGlob(f, joined)).sort();
  }
}

function besideReader(reader: Reader, here: string): BesideReader {
  const inRepo = reader instanceof GitReader;
  const at = (rel: string) => (inRepo ? posix.normalize(posix.join(here, rel)) : resolve(here, rel));
  return {
    read: (rel) => reader.read(at(rel)),
    readBytes: (rel) => reader.readBytes(at(rel)),
    async list(rel) {
      const dir = at(rel);
      const files = await reader.listFiles(dir);
      return files.map((f) => (inRepo ? posix.relative(dir, f) : relative(dir, f).split(sep).join('/')));
    },
  };
}

/** Reads all locations. Never throws for bad input: every problem is returned. */
export async function collectLocations({
  root,
  baseDir,
  locations,
  cache,
  placeholders = NO_FETCH,
}: {
  root: string;
  baseDir: string;
  locations: LocationConfig[];
  /** How `$text`/`$json`/`$yaml` URLs may be fetched; by default they are not. */
  placeholders?: PlaceholderConfig;
  /** Parsed files of the previous refresh by id; a file whose text is unchanged is not parsed again. */
  cache?: Map<string, { text: string; parsed: ParsedFile }>;
}): Promise<CollectResult> {
  const seen = new Set<string>();
  const result: CollectResult = { files: [], beside: new Map(), unreadable: [], problems: [] };
  let realRoot: string;
  try {
    realRoot = await realpath(resolve(baseDir, root));
  } catch {
    result.problems.push({
      location: 'catalog.root',
      file: root,
      line: 1,
      column: 1,
      severity: 'error',
      message: 'the catalog root does not exist',
    });
    return result;
  }
  const fsReader = new FileReader(realRoot);
  // Problems are shown to every reader of the API: paths in them are relative to the root.
  const describe = (error: unknown): string =>
    ((error as Error).message ?? String(error))
      .split('\n')[0]!
      .replaceAll(realRoot + sep, '')
      .replaceAll(realRoot, '.');
  const visited = new Set<string>();

  const problem = (location: string, file: string, message: string, line = 1, column = 1) =>
    result.problems.push({ location, file, line, column, severity: 'error', message });

  const readOne = async (
    location: string,
    reader: Reader,
    path: string,
    chain: string[],
    optional: boolean,
    parent?: string,
  ): Promise<void> => {
    const id = reader.id(path);
    if (chain.includes(id)) {
      problem(location, chain.at(-1)!, `Location loops back to ${id} (${[...chain, id].join(' -> ')})`);
      return;
    }
    if (visited.has(id)) return;
    visited.add(id);
    let text: string;
    try {
      text = await reader.read(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (error instanceof OutsideRootError) problem(location, chain.at(-1) ?? id, `target ${error.message}`);
      else if (error instanceof TooLargeError) {
        const parsed: ParsedFile = {
          file: id,
          documents: [],
          invalidRefs: [],
          failed: true,
          problems: [{ file: id, line: 1, column: 1, severity: 'error', message: error.message }],
        };
        result.files.push({ location, parsed });
      } else if (code === 'ENOENT') {
        if (!optional) problem(location, chain.at(-1) ?? id, `${id} does not exist`);
      } else result.unreadable.push({ location, file: id, message: describe(error) });
      return;
    }
    const here = reader instanceof GitReader ? posix.dirname(path) : dirname(path);
    const cached = cache?.get(id);
    // What a placeholder names can change while the descriptor does not: those files are read again.
    let parsed =
      cached?.text === text && !cached.parsed.placeholders ? cached.parsed : parseDescriptorFile(id, text);
    if (parsed.placeholders) {
      const values = await lookupPlaceholders(parsed.placeholders, {
        config: placeholders,
        readRelative: (target) =>
          reader.read(reader instanceof GitReader ? posix.join(here, target) : resolve(here, target)),
      });
      parsed = parseDescriptorFile(id, text, { placeholders: (p) => values.get(placeholderKey(p)) });
    }
    cache?.set(id, { text, parsed });
    seen.add(id);
    result.beside.set(id, besideReader(reader, here));
    result.files.push({ location, parsed, ...(parent ? { parent } : {}) });
    for (const { entity, position } of parsed.documents) {
      if (entity.kind !== 'Location') continue;
      const spec = entity.spec as { type?: string; target?: string; targets?: string[]; presence?: string };
      if (spec.type && spec.type !== 'file') {
        problem(
          location,
          id,
          `Location type "${spec.type}" is not supported; use "file"`,
          position.line,
          position.column,
        );
        continue;
      }
      const targets = [...(spec.target ? [spec.target] : []), ...(spec.targets ?? [])];
      for (const target of targets) {
        let paths: string[];
        try {
          paths = await reader.expand(target, here);
        } catch (error) {
          const message = (error as Error).message;
          problem(
            location,
            id,
            `target ${target}${error instanceof OutsideRootError ? ' ' : ': '}${message}`,
            position.line,
            position.column,
          );
          continue;
        }
        for (const p of paths)
          await readOne(location, reader, p, [...chain, id], spec.presence === 'optional', entityRef(entity));
      }
    }
  };

  for (const l of locations) {
    const key = locationKey(l);
    try {
      if (l.type === 'git') {
        const [repoPath = '', rev = 'HEAD'] = l.target.split('#');
        const repo = await fsReader.inside(resolve(baseDir, repoPath));
        const reader = await GitReader.open(repo, fsReader.id(repo) || '.', rev);
        for (const path of reader.descriptors()) await readOne(key, reader, path, [], false);
      } else if (l.type === 'dir') {
        for (const path of await fsReader.walk(resolve(baseDir, l.target)))
          await readOne(key, fsReader, path, [], false);
      } else {
        const paths = await fsReader.expand(l.target, baseDir);
        if (paths.length === 0) problem(key, l.target, 'no file matches this location');
        for (const path of paths) await readOne(key, fsReader, path, [], false);
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const message =
        error instanceof OutsideRootError
          ? error.message
          : code === 'ENOENT'
            ? 'does not exist'
            : describe(error);
      problem(key, l.target, `location ${key}: ${message}`);
    }
  }
  if (cache) for (const id of cache.keys()) if (!seen.has(id)) cache.delete(id);
  return result;
}
