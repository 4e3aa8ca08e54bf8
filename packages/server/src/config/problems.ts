// Config validation that names each problem by its path and, for a mistyped key or value, the
// nearest known one. Every object in the config schema is strict, so a typo is an error here
// instead of a setting silently left at its default.
import type { Position } from '@portolan/core/catalog/index';
import type { z } from 'zod';
import { nearest } from './nearest.ts';

export type ConfigPath = (string | number)[];

export interface ConfigProblem {
  path: ConfigPath;
  message: string;
}

export type ConfigCheck<T> = { ok: true; data: T } | { ok: false; problems: ConfigProblem[] };

/** `kubernetes.clusters[0].region`: the path as the user would write it in a message. */
export function formatPath(path: ConfigPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(root)';
}

function didYouMean(word: string, known: readonly string[]): string {
  const near = nearest(word, known);
  return near ? `; did you mean ${near}?` : '';
}

function valueAt(raw: unknown, path: ConfigPath): unknown {
  let value = raw;
  for (const p of path)
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[p] : undefined;
  return value;
}

/** Parses `raw` with `schema`; on failure lists every problem, unknown keys one by one. */
export function checkConfig<S extends z.ZodType>(schema: S, raw: unknown): ConfigCheck<z.output<S>> {
  // The object that rejected a key knows its own keys only while the issue is raised, so they
  // are collected here, by the path of that object.
  const knownKeys = new Map<string, string[]>();
  const result = schema.safeParse(raw, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') {
        const shape = (issue.inst as { shape?: Record<string, unknown> } | undefined)?.shape;
        knownKeys.set(JSON.stringify(issue.path ?? []), Object.keys(shape ?? {}));
      }
      return undefined;
    },
  });
  if (result.success) return { ok: true, data: result.data };
  const problems: ConfigProblem[] = [];
  for (const issue of result.error.issues) {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys.get(JSON.stringify(path)) ?? [];
      for (const key of issue.keys) {
        // Without a near match, the keys this level accepts are the most useful hint.
        const hint = didYouMean(key, known) || (known.length > 0 ? ` (known here: ${known.join(', ')})` : '');
        problems.push({ path: [...path, key], message: `unknown key${hint}` });
      }
      continue;
    }
    // A mistyped value of a fixed set (`client: sqlte`, `auth: {type: tokn}`).
    const allowed =
      issue.code === 'invalid_value'
        ? issue.values
        : issue.code === 'invalid_union' && 'options' in issue && Array.isArray(issue.options)
          ? (issue.options as unknown[])
          : undefined;
    const input = valueAt(raw, path);
    if (allowed && typeof input === 'string') {
      const words = allowed.filter((v): v is string => typeof v === 'string');
      problems.push({
        path,
        message: `"${input}" is not one of ${words.join(', ')}${didYouMean(input, words)}`,
      });
    } else {
      problems.push({ path, message: issue.message });
    }
  }
  return { ok: false, problems };
}

/**
 * One line per problem under a heading: `file:line:column: path: message` when `locate` finds
 * the problem in the file, else `path: message`.
 */
export function formatConfigProblems(
  where: string,
  problems: readonly ConfigProblem[],
  locate?: (path: ConfigPath) => Position | undefined,
): string {
  const lines = problems.map((p) => {
    const at = locate?.(p.path);
    return `  ${at ? `${where}:${at.line}:${at.column}: ` : ''}${formatPath(p.path)}: ${p.message}`;
  });
  return `invalid config in ${where}:\n${lines.join('\n')}`;
}
