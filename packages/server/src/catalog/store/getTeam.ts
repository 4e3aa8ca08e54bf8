import type { Database } from '../../db/database.ts';
import { rowToStored, type StoredEntity, selectStored } from './rows.ts';

export interface TeamView {
  group: StoredEntity;
  /** The group and every group below it, breadth first. */
  groups: string[];
  /** Everything owned by the group or a group below it, by ref. */
  owned: StoredEntity[];
}

/** A team and everything it owns, directly and through its sub-groups. */
export async function getTeam({ db, ref }: { db: Database; ref: string }): Promise<TeamView | undefined> {
  const row = await selectStored(db)
    .where('e.ref', '=', ref)
    .where('e.kind', '=', 'group')
    .executeTakeFirst();
  if (!row) return undefined;
  const groups = [ref];
  const seen = new Set(groups);
  for (let frontier = [ref]; frontier.length > 0; ) {
    const children = await db
      .selectFrom('catalog_relations')
      .select('target_ref')
      .where('source_ref', 'in', frontier)
      .where('type', '=', 'parentOf')
      .execute();
    frontier = children.map((c) => c.target_ref).filter((c) => !seen.has(c));
    for (const c of frontier) seen.add(c);
    groups.push(...frontier);
  }
  const owned = await selectStored(db).where('e.owner', 'in', groups).orderBy('e.ref').execute();
  return { group: rowToStored(row), groups, owned: owned.map(rowToStored) };
}
