// Entry point behind every npm script. Written in plain JavaScript that any Node version can
// parse, so that on an old Node it can say what to do instead of failing with a stack trace.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REQUIRED_MAJOR = 24;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const major = Number(process.versions.node.split('.')[0]);

if (major < REQUIRED_MAJOR) {
  process.stderr.write(
    [
      `Portolan needs Node.js ${REQUIRED_MAJOR} or newer; this is Node.js ${process.versions.node}.`,
      'Install Node.js 24 in one of these ways, then run the command again:',
      '  nvm install 24 && nvm use          (if you use nvm; the repository has an .nvmrc)',
      '  npm install -g --force node@24     (from the npm registry; where Node came from the',
      "                                      system's packages this replaces its node binary,",
      '                                      e.g. /usr/bin/node, so run it as root)',
      '',
    ].join('\n'),
  );
  process.exit(1);
}

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

// Install dependencies when they are missing or older than the lockfile.
const installedMarker = join(root, 'node_modules', '.package-lock.json');
if (mtime(installedMarker) < mtime(join(root, 'package-lock.json'))) {
  process.stderr.write('portolan: installing dependencies (npm ci)...\n');
  if (run('npm', ['ci', '--no-audit', '--no-fund']) !== 0) process.exit(1);
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : mtime(path));
  }
  return newest;
}

// The web app is served from its build; rebuild it when its sources changed.
function ensureWebBuild() {
  const web = join(root, 'packages', 'web');
  if (!existsSync(join(web, 'src'))) return;
  const built = mtime(join(web, 'dist', 'index.html'));
  const sources = Math.max(newestMtime(join(web, 'src')), mtime(join(web, 'index.html')));
  if (built >= sources) return;
  process.stderr.write('portolan: building the web app...\n');
  if (run('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: web }) !== 0) process.exit(1);
}

const [command = 'help', ...rest] = process.argv.slice(2);
const scripts = {
  test: 'scripts/test.ts',
  fleet: 'test/cluster/fleet.ts',
  bench: 'bench/run.ts',
};
if (command === 'test' || command === 'demo' || command === 'serve' || command === 'bench') ensureWebBuild();
const script = scripts[command] ?? 'packages/server/src/cli/main.ts';
const args = scripts[command] ? rest : [command, ...rest];
process.exit(run(process.execPath, ['--disable-warning=ExperimentalWarning', join(root, script), ...args]));
