import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { type Position, positionOf } from '@portolan/core/catalog/index';
import { InputError } from '@portolan/core/errors';
import { type Document, isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import { type ConfigPath, checkConfig, formatConfigProblems } from './problems.ts';
import { configSchema, type PortolanConfig } from './schema.ts';

export interface LoadedConfig {
  config: PortolanConfig;
  /** The folder relative paths in the config are resolved against. */
  baseDir: string;
  file?: string;
}

/** Replaces `${NAME}` with the environment variable, so secrets never live in the file. */
function substituteEnv(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const value = env[name];
    if (value === undefined)
      throw new InputError(`config refers to \${${name}}, which is not set in the environment`);
    return value;
  });
}

/**
 * Validates a config; every problem is named by its path (and, with `locate`, by its line in the
 * file), a mistyped key or value with the nearest known one.
 */
export function parseConfig(
  raw: unknown,
  where: string,
  locate?: (path: ConfigPath) => Position | undefined,
): PortolanConfig {
  const result = checkConfig(configSchema, raw ?? {});
  if (!result.ok) throw new InputError(formatConfigProblems(where, result.problems, locate));
  return result.data;
}

/** Where the key at the end of `path` is written (a problem is about the key, or its value). */
function keyPosition(doc: Document, path: ConfigPath, lines: LineCounter): Position {
  const parent = path.length > 0 ? doc.getIn(path.slice(0, -1), true) : undefined;
  const pair = isMap(parent)
    ? parent.items.find((item) => isScalar(item.key) && item.key.value === path.at(-1))
    : undefined;
  const range = isScalar(pair?.key) ? pair.key.range : undefined;
  if (!range) return positionOf(doc, path, lines);
  const { line, col } = lines.linePos(range[0]);
  return { line, column: col };
}

export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  if (!file) return { config: parseConfig({}, 'defaults'), baseDir: process.cwd() };
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError(
      `cannot read config file ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const yamlError = doc.errors[0];
  if (yamlError) throw new InputError(`config file ${file} is not valid YAML: ${yamlError.message}`);
  const config = parseConfig(doc.toJS(), file, (path) => keyPosition(doc, path, lines));
  config.database.connection = substituteEnv(config.database.connection, env);
  return { config, baseDir: dirname(path), file: path };
}

export function resolveFrom(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}
