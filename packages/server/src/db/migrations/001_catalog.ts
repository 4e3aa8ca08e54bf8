import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('catalog_entities')
    .addColumn('ref', 'varchar(300)', (c) => c.primaryKey())
    .addColumn('kind', 'varchar(63)', (c) => c.notNull())
    .addColumn('namespace', 'varchar(63)', (c) => c.notNull())
    .addColumn('name', 'varchar(63)', (c) => c.notNull())
    .addColumn('type', 'varchar(255)')
    .addColumn('owner', 'varchar(300)')
    .addColumn('lifecycle', 'varchar(255)')
    .addColumn('system', 'varchar(300)')
    .addColumn('title', 'text')
    .addColumn('search', 'text', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('location', 'text', (c) => c.notNull())
    .addColumn('origin_file', 'text', (c) => c.notNull())
    .addColumn('origin_line', 'integer', (c) => c.notNull())
    .addColumn('hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  for (const column of ['type', 'owner', 'lifecycle', 'system', 'origin_file']) {
    await db.schema.createIndex(`catalog_entities_${column}`).on('catalog_entities').column(column).execute();
  }
  // Most lists filter by kind and type (and lifecycle); with ref last, the page order comes
  // from the index too.
  await db.schema
    .createIndex('catalog_entities_kind_type')
    .on('catalog_entities')
    .columns(['kind', 'type', 'lifecycle', 'ref'])
    .execute();
  await db.schema
    .createTable('catalog_documents')
    .addColumn('ref', 'varchar(300)', (c) => c.primaryKey())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('relations', 'text', (c) => c.notNull())
    .addColumn('problems', 'text', (c) => c.notNull())
    .addColumn('api', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('catalog_tags')
    .addColumn('ref', 'varchar(300)', (c) => c.notNull())
    .addColumn('tag', 'varchar(63)', (c) => c.notNull())
    .addPrimaryKeyConstraint('catalog_tags_pk', ['ref', 'tag'])
    .execute();
  await db.schema.createIndex('catalog_tags_tag').on('catalog_tags').columns(['tag', 'ref']).execute();
  await db.schema
    .createTable('catalog_relations')
    .addColumn('source_ref', 'varchar(300)', (c) => c.notNull())
    .addColumn('type', 'varchar(63)', (c) => c.notNull())
    .addColumn('target_ref', 'varchar(300)', (c) => c.notNull())
    .addPrimaryKeyConstraint('catalog_relations_pk', ['source_ref', 'type', 'target_ref'])
    .execute();
  await db.schema
    .createIndex('catalog_relations_target')
    .on('catalog_relations')
    .columns(['target_ref', 'type'])
    .execute();
  await db.schema
    .createTable('catalog_problems')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('location', 'text', (c) => c.notNull())
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('column', 'integer', (c) => c.notNull())
    .addColumn('severity', 'varchar(16)', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('portolan_state')
    .addColumn('key', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'portolan_state',
    'catalog_problems',
    'catalog_relations',
    'catalog_tags',
    'catalog_entities',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
