// Personal API tokens: `ptl_<id>_<secret>`. The id finds the row; only the secret's SHA-256 is
// stored, so the token is shown once, at creation. Tokens carry 32 random bytes, so a fast hash
// is enough (no password stretching is needed for a secret nobody chose).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TokenScope } from '@portolan/core/auth/policy';
import type { Database } from '../../db/database.ts';
import type { ApiTokenRow } from '../../db/tables.ts';

export const TOKEN_PREFIX = 'ptl_';
const TOKEN_SHAPE = /^ptl_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface ApiToken {
  id: string;
  user: string;
  name: string;
  scope: TokenScope;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function toToken(row: ApiTokenRow): ApiToken {
  return {
    id: row.id,
    user: row.user_ref,
    name: row.name,
    scope: row.scope as TokenScope,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

/** Creates a token; the returned `token` string exists nowhere else. */
export async function createToken({
  db,
  user,
  name,
  scope,
  expiresAt,
  now,
}: {
  db: Database;
  user: string;
  name: string;
  scope: TokenScope;
  expiresAt: Date;
  now: Date;
}): Promise<{ token: string; info: ApiToken }> {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const row: ApiTokenRow = {
    id,
    user_ref: user,
    name,
    secret_hash: sha256(secret),
    scope,
    created_at: now.toISOString(),
    expires_at: expiresAt.toISOString(),
    last_used_at: null,
    revoked_at: null,
  };
  await db.insertInto('api_tokens').values(row).execute();
  return { token: `${TOKEN_PREFIX}${id}_${secret}`, info: toToken(row) };
}

/**
 * The live token a bearer string names, with its last use recorded; undefined for anything
 * malformed, unknown, wrong, revoked or expired (the caller does not learn which).
 */
export async function useToken({
  db,
  token,
  now,
}: {
  db: Database;
  token: string;
  now: Date;
}): Promise<ApiToken | undefined> {
  const m = TOKEN_SHAPE.exec(token);
  if (!m) return undefined;
  const row = await db.selectFrom('api_tokens').selectAll().where('id', '=', m[1]!).executeTakeFirst();
  if (!row) return undefined;
  const given = Buffer.from(sha256(m[2]!), 'hex');
  if (!timingSafeEqual(given, Buffer.from(row.secret_hash, 'hex'))) return undefined;
  if (row.revoked_at !== null || row.expires_at <= now.toISOString()) return undefined;
  // Last use to the minute: one write per token per minute, not one per request.
  const minute = now.toISOString().slice(0, 16);
  if (row.last_used_at?.slice(0, 16) !== minute) {
    row.last_used_at = now.toISOString();
    await db
      .updateTable('api_tokens')
      .set({ last_used_at: row.last_used_at })
      .where('id', '=', row.id)
      .execute();
  }
  return toToken(row);
}

/** A user's tokens (every user's when `user` is omitted), newest first. */
export async function listTokens({ db, user }: { db: Database; user?: string }): Promise<ApiToken[]> {
  let q = db.selectFrom('api_tokens').selectAll();
  if (user !== undefined) q = q.where('user_ref', '=', user);
  const rows = await q.orderBy('created_at', 'desc').orderBy('id').execute();
  return rows.map(toToken);
}

export async function getToken({ db, id }: { db: Database; id: string }): Promise<ApiToken | undefined> {
  const row = await db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toToken(row);
}

/** Revokes a token; true when it was live. */
export async function revokeToken({
  db,
  id,
  now,
}: {
  db: Database;
  id: string;
  now: Date;
}): Promise<boolean> {
  const result = await db
    .updateTable('api_tokens')
    .set({ revoked_at: now.toISOString() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Which of these tokens are still live (not revoked, not expired). */
export async function liveTokens({
  db,
  ids,
  now,
}: {
  db: Database;
  ids: readonly string[];
  now: Date;
}): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('api_tokens')
    .select('id')
    .where('id', 'in', ids)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now.toISOString())
    .execute();
  return new Set(rows.map((r) => r.id));
}
