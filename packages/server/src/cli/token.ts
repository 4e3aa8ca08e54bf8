// `portolan token create|list|revoke`, run against the server's config and database: how the
// first admin and CI get a token before anyone has signed in.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { TOKEN_SCOPES, type TokenScope } from '@portolan/core/auth/policy';
import { normalizeRef } from '@portolan/core/catalog/ref';
import { InputError, NotFoundError } from '@portolan/core/errors';
import { CREDENTIAL_ENDED } from '../auth/guard.ts';
import { createToken, listTokens, revokeToken } from '../auth/store/tokens.ts';
import { loadConfig } from '../config/load.ts';
import { openConfiguredDatabase } from '../portal.ts';
import { postgresBus } from '../replicas/bus.ts';
import type { Io } from './io.ts';

const DAY_MS = 24 * 3600 * 1000;

export async function tokenCommand(args: string[], io: Io, now = () => new Date()): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      user: { type: 'string' },
      scope: { type: 'string' },
      name: { type: 'string' },
      days: { type: 'string' },
    },
  });
  const file = values.config ?? (existsSync('portolan.yaml') ? 'portolan.yaml' : undefined);
  if (!file) throw new InputError('no config file: pass --config <file> (the one the server runs with)');
  const { config, baseDir } = loadConfig(file);
  if (!config.auth)
    throw new InputError(`${file} has no "auth" section: without sign-in the portal takes no tokens`);
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke')
    throw new InputError(`unknown token command "${sub ?? ''}"; try create, list or revoke`);
  // Everything the arguments can get wrong is said before the database is opened.
  let createArgs = { user: '', scope: 'read' as TokenScope, days: 0 };
  if (sub === 'create') {
    if (!values.user)
      throw new InputError('--user <ref> is required, e.g. --user ada or --user user:default/ada');
    const scope = values.scope ?? 'read';
    if (!(TOKEN_SCOPES as readonly string[]).includes(scope))
      throw new InputError(`--scope must be one of ${TOKEN_SCOPES.join(', ')}, not "${scope}"`);
    const days = values.days === undefined ? Math.min(90, config.auth.tokenMaxDays) : Number(values.days);
    if (!Number.isInteger(days) || days < 1 || days > config.auth.tokenMaxDays)
      throw new InputError(`--days must be a whole number from 1 to ${config.auth.tokenMaxDays}`);
    createArgs = {
      user: normalizeRef(values.user, { defaultKind: 'user' }),
      scope: scope as TokenScope,
      days,
    };
  }
  if (sub === 'revoke' && !positionals[0]) throw new InputError('which token? portolan token revoke <id>');
  // Beside a running portal on SQLite too: a token is one row, written under SQLite's own locking;
  // the portal reads tokens from the database on each request and re-checks open streams.
  const db = await openConfiguredDatabase(config, baseDir, { alongside: true });
  try {
    switch (sub) {
      case 'create': {
        const { user, scope, days } = createArgs;
        const at = now();
        const { token, info } = await createToken({
          db,
          user,
          name: values.name ?? 'created with portolan token create',
          scope,
          expiresAt: new Date(at.getTime() + days * DAY_MS),
          now: at,
        });
        io.stderr.write(
          `Token ${info.id} for ${user}, scope ${info.scope}, expires ${info.expiresAt}. It is shown once; keep it secret.\n`,
        );
        io.stdout.write(`${token}\n`);
        return 0;
      }
      case 'list': {
        const user =
          values.user === undefined ? undefined : normalizeRef(values.user, { defaultKind: 'user' });
        for (const t of await listTokens({ db, ...(user ? { user } : {}) })) {
          const state = t.revokedAt ? 'revoked' : t.expiresAt <= now().toISOString() ? 'expired' : 'live';
          io.stdout.write(
            `${t.id}  ${t.user}  ${t.scope}  ${state}  expires ${t.expiresAt}  last used ${t.lastUsedAt ?? 'never'}  ${t.name}\n`,
          );
        }
        return 0;
      }
      case 'revoke': {
        const id = positionals[0]!;
        if (!(await revokeToken({ db, id, now: now() }))) throw new NotFoundError(`no live token ${id}`);
        // Running replicas end the streams opened with it now, not at their next re-check.
        if (config.database.client === 'pg') {
          const bus = await postgresBus({ connection: config.database.connection });
          try {
            await bus.publish(CREDENTIAL_ENDED, { key: `token:${id}` });
          } finally {
            await bus.close();
          }
        }
        io.stderr.write(`Token ${id} is revoked.\n`);
        return 0;
      }
      default:
        throw new InputError(`unknown token command "${sub ?? ''}"; try create, list or revoke`);
    }
  } finally {
    await db.destroy();
  }
}
