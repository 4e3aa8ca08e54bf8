import type { LocationConfig } from '../../config/schema.ts';
import type { Database } from '../../db/database.ts';

const KEY = 'catalog.addedLocations';

/** Locations added through the API (when the config allows it), in the order they were added. */
export async function readAddedLocations({ db }: { db: Database }): Promise<LocationConfig[]> {
  const row = await db.selectFrom('portolan_state').select('value').where('key', '=', KEY).executeTakeFirst();
  return row ? (JSON.parse(row.value) as LocationConfig[]) : [];
}

export async function writeAddedLocations({
  db,
  locations,
}: {
  db: Database;
  locations: LocationConfig[];
}): Promise<void> {
  const value = JSON.stringify(locations);
  await db
    .insertInto('portolan_state')
    .values({ key: KEY, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}
