// Cookie sessions. The cookie holds 32 random bytes; the table holds their SHA-256.
import { createHash, randomBytes } from 'node:crypto';
import type { Database } from '../../db/database.ts';

export interface Session {
  idHash: string;
  user: string;
  csrf: string;
  expiresAt: string;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export async function createSession({
  db,
  user,
  expiresAt,
  now,
}: {
  db: Database;
  user: string;
  expiresAt: Date;
  now: Date;
}): Promise<{ cookie: string; session: Session }> {
  const cookie = randomBytes(32).toString('base64url');
  const session: Session = {
    idHash: sha256(cookie),
    user,
    csrf: randomBytes(24).toString('base64url'),
    expiresAt: expiresAt.toISOString(),
  };
  await db
    .insertInto('auth_sessions')
    .values({
      id_hash: session.idHash,
      user_ref: user,
      csrf: session.csrf,
      created_at: now.toISOString(),
      expires_at: session.expiresAt,
    })
    .execute();
  return { cookie, session };
}

/** The live session a cookie names; expired ones are deleted on sight. */
export async function findSession({
  db,
  cookie,
  now,
}: {
  db: Database;
  cookie: string;
  now: Date;
}): Promise<Session | undefined> {
  if (cookie.length !== 43) return undefined;
  const row = await db
    .selectFrom('auth_sessions')
    .selectAll()
    .where('id_hash', '=', sha256(cookie))
    .executeTakeFirst();
  if (!row) return undefined;
  if (row.expires_at <= now.toISOString()) {
    await db.deleteFrom('auth_sessions').where('id_hash', '=', row.id_hash).execute();
    return undefined;
  }
  return { idHash: row.id_hash, user: row.user_ref, csrf: row.csrf, expiresAt: row.expires_at };
}

export async function deleteSession({ db, idHash }: { db: Database; idHash: string }): Promise<void> {
  await db.deleteFrom('auth_sessions').where('id_hash', '=', idHash).execute();
}

/** Which of these sessions are still live (not signed out, not expired). */
export async function liveSessions({
  db,
  idHashes,
  now,
}: {
  db: Database;
  idHashes: readonly string[];
  now: Date;
}): Promise<Set<string>> {
  if (idHashes.length === 0) return new Set();
  const rows = await db
    .selectFrom('auth_sessions')
    .select('id_hash')
    .where('id_hash', 'in', idHashes)
    .where('expires_at', '>', now.toISOString())
    .execute();
  return new Set(rows.map((r) => r.id_hash));
}
