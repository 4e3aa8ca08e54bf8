#!/usr/bin/env node
// The `portolan` command. Each subcommand lives in its own file; this one only dispatches.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { PortolanError } from '@portolan/core/errors';
import { loadConfig } from '../config/load.ts';
import type { Io } from './io.ts';
import { terminalSafe } from './terminal.ts';
import { validateCommand } from './validate.ts';

const HELP = `portolan: every service, every cluster, one page

Usage:
  portolan serve [--config <file>] [--port <n>]   run the portal (default config: ./portolan.yaml)
  portolan demo [--port <n>] [--seed <n>]          run the portal on a simulated 14-cluster fleet
  portolan catalog validate [--format text|json|github] [--refs] [--root <dir>] <file|folder|glob...>
                                                   check descriptors as CI would; file:line:column: message
  portolan explain [file... | -] [--output json]   explain what is wrong with Kubernetes objects
  portolan deploy <service> --version <tag> [--reason <text>] [--cluster <name>...] [--wait]
                                                   deploy a version to every cluster the service runs on
  portolan deploy <service> --image <container>=<image>... [--wait]
  portolan deploy pause|resume|approve|cancel|rollback <id> [--reason <text>] [--wait]
  portolan deployments <service>                   the service's deployments, newest first
  portolan token create --user <ref> --scope read|deploy|admin [--days <n>] [--name <s>] [--config <file>]
                                                   print a new personal API token (shown once)
  portolan token list [--user <ref>] [--config <file>]   tokens with their scope, expiry and last use
  portolan token revoke <id> [--config <file>]     revoke a token
  portolan help                                    this text

Exit codes:
  0  success
  1  serve/demo could not start (the message says why: port in use, a missing environment
     variable, an invalid config...); catalog validate found problems; explain found a
     critical finding
  2  usage error
  3  explain: the input could not be read (invalid or refused YAML/JSON, no objects)
  4  explain: internal error

Environment:
  LOG_LEVEL      log level, over the config's server.log.level (default info)
  KUBECONFIG     kubeconfig used when the config names no clusters
  PORTOLAN_URL   the portal the deploy commands talk to (default http://127.0.0.1:7007)
  PORTOLAN_TOKEN the deploy token they send (the portal's deploy.tokenEnv)
`;

const io: Io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };

function port(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`--port must be a number from 0 to 65535, not "${value}"`);
  return n;
}

class UsageError extends Error {}

/**
 * SIGTERM or SIGINT: a graceful close (see Portal.close), and exit at the latest `timeoutSeconds`
 * later whatever is still open; a second signal exits at once.
 */
function onSignal(close: () => Promise<void>, timeoutSeconds: number): void {
  let closing = false;
  const stop = () => {
    if (closing) process.exit(1);
    closing = true;
    setTimeout(() => {
      io.stderr.write(`portolan: not closed within ${timeoutSeconds} s; exiting\n`);
      process.exit(1);
    }, timeoutSeconds * 1000).unref();
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function serve(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { config: { type: 'string', short: 'c' }, port: { type: 'string', short: 'p' } },
  });
  const file = values.config ?? (existsSync('portolan.yaml') ? 'portolan.yaml' : undefined);
  if (!file)
    throw new UsageError(
      'no config file: pass --config <file>, or run "portolan demo" to try Portolan on a simulated fleet',
    );
  const { config, baseDir } = loadConfig(file);
  const p = port(values.port);
  // Loaded here: the server, its database drivers and metrics are not the other commands' to pay.
  const { startPortal } = await import('../portal.ts');
  const portal = await startPortal({ config, baseDir, ...(p === undefined ? {} : { port: p }) });
  io.stdout.write(`Portolan is running at ${portal.url}\n`);
  onSignal(() => portal.close(), config.server.shutdownTimeoutSeconds + 1);
  return new Promise(() => {});
}

async function demo(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { port: { type: 'string', short: 'p' }, seed: { type: 'string' } },
  });
  const { runDemo } = await import('./demo.ts');
  const p = port(values.port);
  const portal = await runDemo(
    { ...(p === undefined ? {} : { port: p }), seed: values.seed ? Number(values.seed) : 1 },
    io,
  );
  onSignal(() => portal.close(), 10);
  return new Promise(() => {});
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'demo':
      return demo(rest);
    case 'catalog':
      if (rest[0] === 'validate') return validateCommand(rest.slice(1), io);
      throw new UsageError(
        `unknown catalog command "${rest[0] ?? ''}"; try "portolan catalog validate <file...>"`,
      );
    case 'deploy':
    case 'deployments': {
      const { deployCommand, deploymentsCommand, DeployUsageError } = await import('./deploy.ts');
      try {
        return await (command === 'deploy' ? deployCommand(rest, io) : deploymentsCommand(rest, io));
      } catch (error) {
        if (error instanceof DeployUsageError) throw new UsageError(error.message);
        throw error;
      }
    }
    case 'token': {
      const { tokenCommand } = await import('./token.ts');
      return tokenCommand(rest, io);
    }
    case 'explain': {
      const { explainCommand } = await import('./explain.ts');
      return explainCommand(rest, io);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.stdout.write(HELP);
      return 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = terminalSafe((error as Error).message ?? String(error));
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`portolan: ${message}\n\n${HELP}`);
      process.exitCode = 2;
    } else if (error instanceof PortolanError) {
      io.stderr.write(`portolan: ${message}\n`);
      process.exitCode = 1;
    } else {
      io.stderr.write(`portolan: ${terminalSafe((error as Error).stack ?? String(error))}\n`);
      process.exitCode = 1;
    }
    // A command that failed half-way (serve that could not listen) may still hold a timer or a
    // socket; it must not keep the process alive as if it were running.
    process.exit();
  },
);
