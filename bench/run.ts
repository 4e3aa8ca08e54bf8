// npm run bench -- <name>: runs bench/<name>.ts; without a name, lists them.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const names = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.test.ts'))
  .map((f) => f.slice(0, -3));
const [name, ...args] = process.argv.slice(2);
if (!name || !names.includes(name)) {
  console.error(`usage: npm run bench -- <name>\nbenchmarks: ${names.join(', ')}`);
  process.exit(name ? 2 : 0);
}
const result = spawnSync(
  process.execPath,
  ['--disable-warning=ExperimentalWarning', '--expose-gc', join(here, `${name}.ts`), ...args],
  {
    stdio: 'inherit',
  },
);
process.exit(result.status ?? 1);
