import type { Database } from '../../db/database.ts';

export interface Identity {
  /** The User entity's ref. */
  ref: string;
  /** Groups the user is a member of, and every group above them. */
  groups: string[];
  /** Groups the user is a member of, and every group below them (whose services they own). */
  owns: string[];
}

/** The catalog User whose profile email or name matches; undefined when the catalog has none. */
export async function findUser({
  db,
  email,
  name,
}: {
  db: Database;
  email?: string | undefined;
  name?: string | undefined;
}): Promise<string | undefined> {
  if (email) {
    const row = await db
      .selectFrom('catalog_fields as f')
      .innerJoin('catalog_entities as e', 'e.ref', 'f.ref')
      .select('e.ref')
      .where('e.kind', '=', 'user')
      .where('f.key', '=', 'spec.profile.email')
      .where('f.value', '=', email.toLowerCase())
      .orderBy('e.ref')
      .executeTakeFirst();
    if (row) return row.ref;
  }
  if (name) {
    const row = await db
      .selectFrom('catalog_entities')
      .select('ref')
      .where('kind', '=', 'user')
      .where('name', '=', name.toLowerCase())
      .orderBy('ref')
      .executeTakeFirst();
    if (row) return row.ref;
  }
  return undefined;
}

async function closure(db: Database, start: string[], relation: 'childOf' | 'parentOf'): Promise<string[]> {
  const seen = new Set(start);
  for (let frontier = start; frontier.length > 0; ) {
    const next = await db
      .selectFrom('catalog_relations')
      .select('target_ref')
      .where('source_ref', 'in', frontier)
      .where('type', '=', relation)
      .execute();
    frontier = next.map((r) => r.target_ref).filter((r) => !seen.has(r));
    for (const r of frontier) seen.add(r);
  }
  return [...seen].sort();
}

/** A user's groups as the policy reads them, from the catalog's memberOf and parent relations. */
export async function getIdentity({ db, userRef }: { db: Database; userRef: string }): Promise<Identity> {
  const direct = (
    await db
      .selectFrom('catalog_relations')
      .select('target_ref')
      .where('source_ref', '=', userRef)
      .where('type', '=', 'memberOf')
      .execute()
  ).map((r) => r.target_ref);
  if (direct.length === 0) return { ref: userRef, groups: [], owns: [] };
  const [groups, owns] = await Promise.all([closure(db, direct, 'childOf'), closure(db, direct, 'parentOf')]);
  return { ref: userRef, groups, owns };
}
