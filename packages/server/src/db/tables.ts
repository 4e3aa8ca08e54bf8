import type { Generated } from 'kysely';
// Row types of every table, in one place. JSON columns are stored as text on both engines.

export interface CatalogEntityRow {
  ref: string;
  kind: string;
  namespace: string;
  name: string;
  type: string | null;
  owner: string | null;
  lifecycle: string | null;
  system: string | null;
  title: string | null;
  /** Lower-cased name, title, description and tags, for `q` search. */
  search: string;
  status: 'ok' | 'orphan';
  /** The configured location that brought the entity in. */
  location: string;
  origin_file: string;
  origin_line: number;
  /** Hash over everything above, so an unchanged refresh writes nothing. */
  hash: string;
  updated_at: string;
  /** Stable id derived from the ref (Backstage's metadata.uid). */
  uid: string | null;
  /** The Location entity whose target brought this entity's file in, if any. */
  parent_ref: string | null;
}

/**
 * The wide part of an entity, kept apart from catalog_entities so that filtering and counting
 * scan narrow rows; only the rows of a page are read from here.
 */
export interface CatalogDocumentRow {
  ref: string;
  /** The entity as read from its descriptor (JSON), without relations. */
  body: string;
  /** Relations, both directions (JSON array of {type, targetRef}). */
  relations: string;
  /** Errors and warnings (JSON array of EntityProblem). */
  problems: string;
  /** The entity exactly as the API returns it (JSON), so lists are served without re-encoding. */
  api: string;
}

export interface CatalogTagRow {
  ref: string;
  tag: string;
}

export interface CatalogRelationRow {
  source_ref: string;
  type: string;
  target_ref: string;
}

/** Problems that belong to no entity: unreadable files, malformed YAML, loops. */
export interface CatalogProblemRow {
  id: string;
  location: string;
  file: string;
  line: number;
  column: number;
  severity: 'error' | 'warning';
  message: string;
}

/** SQLite only: an FTS5 trigram index over catalog_entities.search (migration 002). */
export interface CatalogSearchRow {
  ref: string;
  search: string;
}

/** An entity flattened into (key, value) rows, as Backstage's search table (migration 003). */
export interface CatalogFieldRow {
  ref: string;
  /** Dotted path, lower-cased: `spec.owner`, `metadata.tags`, `relations.ownedby`. */
  key: string;
  /** Lower-cased; null when the value is null or too long to index. */
  value: string | null;
  original_value: string | null;
}

/** An API entity's definition, parsed (migration 004). */
export interface CatalogDefinitionRow {
  ref: string;
  /** Over the API's type and definition text: unchanged definitions are not parsed again. */
  hash: string;
  /** DefinitionSummary (JSON): operation and channel counts, errors. */
  summary: string;
  /** DefinitionView (JSON), source included. */
  view: string;
}

/** An entity's docs site (migration 005). */
export interface DocsSiteRow {
  ref: string;
  /** Over every file read for the site. */
  hash: string;
  /** DocsSite (JSON): nav, page paths, problems. */
  site: string;
}

export interface DocsPageRow {
  ref: string;
  path: string;
  title: string;
  /** DocsPage (JSON): sanitised HTML or the page's problem. */
  page: string;
  /** Plain text, for search. */
  text: string;
}

/** One row of the search index: an entity, a docs page or an API operation (migration 008). */
export interface SearchDocumentRow {
  /** Links the row to its FTS5 rows (SQLite's rowid there). */
  n: Generated<number>;
  id: string;
  ref: string;
  /** entity, docs or operation. */
  hit: string;
  kind: string;
  owner: string | null;
  type: string | null;
  title: string;
  /** Lower-cased title, for ranking. */
  title_search: string;
  target: string | null;
  /** Lower-cased title and names, matched by substring. */
  keys: string;
  /** PostgreSQL only: the text's words as a tsvector (SQLite keeps them in search_words). */
  words?: string;
}

/** A search row's text, shown as its snippet; apart so that matching and counting read narrow rows. */
export interface SearchTextRow {
  id: string;
  text: string;
}

export interface KeyValueRow {
  key: string;
  value: string;
}

export interface DeploymentRow {
  id: string;
  service: string;
  status: string;
  /** 1 while the deployment holds its service (unique per service), NULL after. */
  active: number | null;
  idempotency_key: string | null;
  external: number;
  requested_by: string;
  requested_at: string;
  ended_at: string | null;
  updated_at: string;
  last_seq: number;
  /** The fold of its events (JSON DeploymentState). */
  state: string;
}

export interface DeploymentEventRow {
  deployment_id: string;
  seq: number;
  type: string;
  actor: string;
  at: string;
  /** The whole event (JSON). */
  body: string;
}

/** A deploy executor's write to one cluster (see migrations/011_deploy_writes.ts). */
export interface DeployClusterWriteRow {
  deployment_id: string;
  cluster: string;
  action: 'change' | 'restore';
  /** The fencing token of the leader that meant to write; PostgreSQL returns bigints as strings. */
  token: number | string;
  intended_at: string;
  applied_at: string | null;
}

/** A named lease (see migrations/008_leases.ts). PostgreSQL returns bigints as strings. */
export interface LeaseRow {
  name: string;
  holder: string;
  token: number | string;
  expires_at: number | string;
}

/** A cookie session; the cookie carries the id, the table only its SHA-256. */
export interface AuthSessionRow {
  id_hash: string;
  user_ref: string;
  /** The CSRF token the web app echoes in a header on every state-changing request. */
  csrf: string;
  created_at: string;
  expires_at: string;
}

/** A personal API token; the token is `ptl_<id>_<secret>` and only the secret's SHA-256 is kept. */
export interface ApiTokenRow {
  id: string;
  user_ref: string;
  name: string;
  secret_hash: string;
  scope: string;
  created_at: string;
  expires_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** One write or one denial. */
export interface AuditRow {
  /** Time-ordered: ISO time, then a random suffix. */
  id: string;
  at: string;
  subject: string;
  action: string;
  resource: string;
  outcome: 'allowed' | 'denied';
  status: number;
  method: string;
  path: string;
  reason: string | null;
}

export interface Tables {
  deployments: DeploymentRow;
  deployment_events: DeploymentEventRow;
  deploy_cluster_writes: DeployClusterWriteRow;
  catalog_entities: CatalogEntityRow;
  catalog_documents: CatalogDocumentRow;
  catalog_tags: CatalogTagRow;
  catalog_search: CatalogSearchRow;
  catalog_relations: CatalogRelationRow;
  catalog_problems: CatalogProblemRow;
  catalog_fields: CatalogFieldRow;
  catalog_definitions: CatalogDefinitionRow;
  docs_sites: DocsSiteRow;
  docs_pages: DocsPageRow;
  search_documents: SearchDocumentRow;
  search_text: SearchTextRow;
  portolan_state: KeyValueRow;
  leases: LeaseRow;
  auth_sessions: AuthSessionRow;
  api_tokens: ApiTokenRow;
  audit_log: AuditRow;
}
