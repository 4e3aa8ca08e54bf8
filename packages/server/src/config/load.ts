import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { InputError } from '@portolan/core/errors';
import { parse } from 'yaml';
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

export function parseConfig(raw: unknown, where: string): PortolanConfig {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new InputError(`invalid config in ${where}:\n${lines.join('\n')}`);
  }
  return result.data;
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
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new InputError(`config file ${file} is not valid YAML: ${(error as Error).message}`);
  }
  const config = parseConfig(raw, file);
  config.database.connection = substituteEnv(config.database.connection, env);
  return { config, baseDir: dirname(path), file: path };
}

export function resolveFrom(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}
