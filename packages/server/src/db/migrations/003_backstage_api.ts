import { type Kysely, sql } from 'kysely';

// What Backstage's catalog API needs beyond Portolan's own queries:
// - catalog_fields: every entity flattened into (key, value) rows, as Backstage's search table,
//   so `filter`, `order`, facets and full-text filters on any field are answered by indexes;
// - catalog_entities.uid: the entity's stable id (derived from its ref), for by-uid lookups;
// - catalog_entities.parent_ref: the Location entity whose target brought the entity's file in,
//   for ancestry.
// Entities already stored have no field rows yet: clearing their hashes makes the next refresh
// write every entity again.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('catalog_fields')
    .addColumn('ref', 'varchar(300)', (c) => c.notNull())
    .addColumn('key', 'varchar(200)', (c) => c.notNull())
    .addColumn('value', 'varchar(200)')
    .addColumn('original_value', 'varchar(200)')
    .execute();
  await db.schema.createIndex('catalog_fields_ref').on('catalog_fields').columns(['ref', 'key']).execute();
  await db.schema
    .createIndex('catalog_fields_key_value')
    .on('catalog_fields')
    .columns(['key', 'value', 'ref'])
    .execute();
  await db.schema.alterTable('catalog_entities').addColumn('uid', 'varchar(36)').execute();
  await db.schema.alterTable('catalog_entities').addColumn('parent_ref', 'varchar(300)').execute();
  await db.schema.createIndex('catalog_entities_uid').on('catalog_entities').column('uid').execute();
  await sql`UPDATE catalog_entities SET hash = ''`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('catalog_entities_uid').ifExists().execute();
  await db.schema.alterTable('catalog_entities').dropColumn('parent_ref').execute();
  await db.schema.alterTable('catalog_entities').dropColumn('uid').execute();
  await db.schema.dropTable('catalog_fields').ifExists().execute();
}
