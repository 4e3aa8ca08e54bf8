// Tokens, sessions, the audit log and catalog identities on every supported engine.
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from '../../../../test/support/databases.ts';
import { appendAudit, listAudit } from '../../src/auth/store/audit.ts';
import { findUser, getIdentity } from '../../src/auth/store/identity.ts';
import { createSession, deleteSession, findSession } from '../../src/auth/store/sessions.ts';
import { createToken, listTokens, revokeToken, useToken } from '../../src/auth/store/tokens.ts';
import { CatalogService } from '../../src/catalog/service.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { Database } from '../../src/db/database.ts';

const EXAMPLES = join(import.meta.dirname, '../../../../examples/catalog');
const at = (iso: string) => new Date(iso);

describe.each(TEST_DATABASES)('auth store on $id', (engine) => {
  let db: Database;
  let drop: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    ({ db, drop } = await engine.create());
  });
  afterEach(async () => drop?.());

  it('stores only a hash of a token, shows it once, and answers it until it expires or is revoked', async () => {
    const now = at('2026-01-01T10:00:00.000Z');
    const { token, info } = await createToken({
      db,
      user: 'user:default/ada',
      name: 'ci',
      scope: 'deploy',
      expiresAt: at('2026-02-01T00:00:00.000Z'),
      now,
    });
    expect(token).toMatch(/^ptl_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const row = await db.selectFrom('api_tokens').selectAll().executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(token.split('_').at(-1));
    expect(await useToken({ db, token, now })).toMatchObject({
      id: info.id,
      user: 'user:default/ada',
      scope: 'deploy',
    });
    // wrong secret, same id: refused
    const wrong = `${token.slice(0, -4)}AAAA`;
    expect(await useToken({ db, token: wrong, now })).toBeUndefined();
    expect(await useToken({ db, token: 'ptl_nonsense', now })).toBeUndefined();
    // last use is listed
    const later = at('2026-01-05T08:30:00.000Z');
    await useToken({ db, token, now: later });
    expect((await listTokens({ db, user: 'user:default/ada' }))[0]).toMatchObject({
      name: 'ci',
      lastUsedAt: later.toISOString(),
      revokedAt: null,
    });
    expect(await listTokens({ db, user: 'user:default/bob' })).toEqual([]);
    // expiry
    expect(await useToken({ db, token, now: at('2026-02-01T00:00:00.000Z') })).toBeUndefined();
    // revocation
    expect(await revokeToken({ db, id: info.id, now })).toBe(true);
    expect(await revokeToken({ db, id: info.id, now })).toBe(false);
    expect(await useToken({ db, token, now })).toBeUndefined();
  });

  it('finds a live session by its cookie, never stores the cookie, and forgets expired ones', async () => {
    const now = at('2026-01-01T10:00:00.000Z');
    const { cookie, session } = await createSession({
      db,
      user: 'user:default/ada',
      expiresAt: at('2026-01-01T22:00:00.000Z'),
      now,
    });
    const row = await db.selectFrom('auth_sessions').selectAll().executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(cookie);
    expect(await findSession({ db, cookie, now })).toEqual(session);
    expect(await findSession({ db, cookie: `${cookie.slice(0, -1)}x`, now })).toBeUndefined();
    expect(await findSession({ db, cookie, now: at('2026-01-01T22:00:00.000Z') })).toBeUndefined();
    expect(await db.selectFrom('auth_sessions').selectAll().execute()).toEqual([]);
    const again = await createSession({
      db,
      user: 'user:default/ada',
      expiresAt: at('2026-01-02T00:00:00.000Z'),
      now,
    });
    await deleteSession({ db, idHash: again.session.idHash });
    expect(await findSession({ db, cookie: again.cookie, now })).toBeUndefined();
  });

  it('lists the audit log newest first, a page at a time', async () => {
    for (let i = 0; i < 5; i++) {
      await appendAudit({
        db,
        entry: {
          at: `2026-01-01T10:00:0${i}.000Z`,
          subject: 'user:default/bob',
          action: 'service.deploy',
          resource: 'component:default/checkout',
          outcome: i % 2 ? 'allowed' : 'denied',
          status: i % 2 ? 200 : 403,
          method: 'POST',
          path: '/api/services/checkout/deployments',
          reason: null,
        },
      });
    }
    const first = await listAudit({ db, limit: 3 });
    expect(first.map((r) => r.at.slice(17, 19))).toEqual(['04', '03', '02']);
    const second = await listAudit({ db, limit: 3, before: first.at(-1)!.id });
    expect(second.map((r) => r.at.slice(17, 19))).toEqual(['01', '00']);
  });

  it('maps a user by email or name to their groups, upwards for membership and downwards for ownership', async () => {
    const root = mkdtempSync(join(tmpdir(), 'portolan-auth-store-'));
    cpSync(EXAMPLES, join(root, 'catalog'), { recursive: true });
    const catalog = new CatalogService({
      db,
      logger: pino({ level: 'silent' }),
      baseDir: root,
      catalog: parseConfig(
        { catalog: { locations: [{ type: 'file', target: './catalog/org/*.yaml' }] } },
        't',
      ).catalog,
    });
    await catalog.refresh();
    expect(await findUser({ db, email: 'Ada@Example.com' })).toBe('user:default/ada');
    expect(await findUser({ db, email: 'nobody@example.com', name: 'grace' })).toBe('user:default/grace');
    expect(await findUser({ db, email: 'nobody@example.com', name: 'nobody' })).toBeUndefined();
    // ada is in payments (under commerce, above payments-web)
    expect(await getIdentity({ db, userRef: 'user:default/ada' })).toEqual({
      ref: 'user:default/ada',
      groups: ['group:default/commerce', 'group:default/payments'],
      owns: ['group:default/payments', 'group:default/payments-web'],
    });
    expect(await getIdentity({ db, userRef: 'user:default/nobody' })).toEqual({
      ref: 'user:default/nobody',
      groups: [],
      owns: [],
    });
  });
});
