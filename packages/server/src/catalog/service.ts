import { realpath } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import {
  API_RELATIONS,
  type ApiRelation,
  type ApiRelations,
  type RelatedEntity,
} from '@portolan/core/apis/definition';
import { assembleCatalog, type ParsedFile } from '@portolan/core/catalog/index';
import { tryNormalizeRef } from '@portolan/core/catalog/ref';
import type { LocationConfig, PortolanConfig } from '../config/schema.ts';
import { type Database, mergePendingIndexEntries } from '../db/database.ts';
import type { Logger } from '../log.ts';
import { updateSearchIndex } from '../search/indexer.ts';
import { type SearchQuery, search } from '../search/search.ts';
import { collectLocations, locationKey } from './collect.ts';
import { DefinitionIndex } from './definitions/index.ts';
import { DocsIndex } from './docs/index.ts';
import { readAddedLocations, writeAddedLocations } from './store/addedLocations.ts';
import { getDefinition, getDefinitionSummaries } from './store/definitions.ts';
import { getDocsPage, getDocsSite } from './store/docs.ts';
import { getEntities } from './store/getEntities.ts';
import { getTeam, type TeamView } from './store/getTeam.ts';
import { listProblems, type ProblemPage } from './store/listProblems.ts';
import { type EntityFilter, type EntityPage, queryEntities, queryEntityJson } from './store/queryEntities.ts';
import { countFields, type FieldQuery, queryFacets, queryFields } from './store/queryFields.ts';
import { readSnapshot } from './store/readSnapshot.ts';
import { recordToRow, rowToStored, type StoredEntity, selectStored } from './store/rows.ts';
import { type EntityWrite, writeChanges } from './store/writeChanges.ts';

/**
 * Problems kept per refresh. A broad glob over a folder of non-descriptors finds one per file;
 * past this, one more problem says how many were left out.
 */
export const MAX_STORED_PROBLEMS = 1000;

export interface RefreshSummary {
  startedAt: string;
  durationMs: number;
  files: number;
  entities: number;
  added: number;
  updated: number;
  removed: number;
  unchanged: number;
  problems: number;
}

export type RefreshListener = (summary: RefreshSummary, where: 'here' | 'another replica') => void;

function refOrNull(value: unknown, defaultKind: string, namespace: string): string | null {
  return tryNormalizeRef(value, { defaultKind, defaultNamespace: namespace }) ?? null;
}

export interface CatalogServiceOptions {
  db: Database;
  catalog: PortolanConfig['catalog'];
  baseDir: string;
  logger: Logger;
  now?: () => Date;
}

/** Ingestion (refresh loop) and queries over the stored catalog. */
export class CatalogService {
  readonly #options: CatalogServiceOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<RefreshSummary> | undefined;
  #last: RefreshSummary | undefined;
  readonly #listeners = new Set<RefreshListener>();
  #delegate: (() => Promise<RefreshSummary>) | undefined;
  readonly #parsed = new Map<string, { text: string; parsed: ParsedFile }>();
  readonly #definitions = new DefinitionIndex();
  readonly #docs = new DocsIndex();

  constructor(options: CatalogServiceOptions) {
    this.#options = options;
  }

  get lastRefresh(): RefreshSummary | undefined {
    return this.#last;
  }

  onRefresh(listener: RefreshListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Another replica refreshed the stored catalog: take its summary as this one's last. */
  adopt(summary: RefreshSummary): void {
    this.#last = summary;
    for (const listener of this.#listeners) listener(summary, 'another replica');
  }

  /**
   * Where refresh() goes instead of refreshing here (a replica that does not lead asks the leader,
   * so the catalog is written by one replica at a time); undefined to refresh here.
   */
  delegateRefresh(delegate: (() => Promise<RefreshSummary>) | undefined): void {
    this.#delegate = delegate;
  }

  /** Starts the periodic refresh; the first one runs at once. */
  /**
   * Refresh on the configured interval. The first refresh is the caller's (the portal awaits one
   * before it listens), so the catalog is read once at start, not twice.
   */
  start(): void {
    const interval = this.#options.catalog.refreshIntervalSeconds * 1000;
    if (interval <= 0) return;
    const tick = () => {
      this.refresh()
        .catch((error) => this.#options.logger.error({ err: error }, 'catalog refresh failed'))
        .finally(() => {
          if (this.#timer !== undefined) this.#timer = setTimeout(tick, interval);
        });
    };
    this.#timer = setTimeout(tick, interval);
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Runs a refresh, or joins the one already running; `fresh` waits for that one and runs another,
   * for a caller that needs files changed since it started to be read.
   */
  refresh(options: { fresh?: boolean } = {}): Promise<RefreshSummary> {
    if (this.#delegate) return this.#delegate();
    const running = this.#running;
    if (options.fresh && running)
      return running.then(
        () => this.refresh(),
        () => this.refresh(),
      );
    this.#running ??= this.#refresh().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #refresh(): Promise<RefreshSummary> {
    const { db, catalog, baseDir, logger } = this.#options;
    const now = this.#options.now?.() ?? new Date();
    const started = performance.now();
    const locations = [...catalog.locations, ...(await readAddedLocations({ db }))];
    const [collected, snapshot] = await Promise.all([
      collectLocations({
        root: catalog.root,
        baseDir,
        locations,
        cache: this.#parsed,
        placeholders: catalog.placeholders,
      }),
      readSnapshot({ db }),
    ]);
    const strategies = new Map(locations.map((l) => [locationKey(l), l.orphans]));
    const { records, problems } = assembleCatalog({
      files: collected.files,
      unreadable: collected.unreadable,
      previous: snapshot,
      orphanStrategy: (location) => strategies.get(location) ?? 'delete',
    });
    const fileLocation = new Map(collected.files.map((f) => [f.parsed.file, f.location]));
    const upserts: EntityWrite[] = [];
    let added = 0;
    let updated = 0;
    const updatedAt = now.toISOString();
    for (const [ref, record] of records) {
      const ns = record.entity.metadata.namespace ?? 'default';
      const owner = refOrNull(record.entity.spec?.owner, 'group', ns);
      const system = refOrNull(record.entity.spec?.system, 'system', ns);
      const { row, document, hash, tags, fields } = recordToRow(ref, record, owner, system);
      const before = snapshot.get(ref);
      if (before?.hash === hash) continue;
      if (before) updated++;
      else added++;
      upserts.push({
        row: { ...row, hash, updated_at: updatedAt },
        document,
        tags,
        fields,
        relations: record.relations.map((r) => ({ source_ref: ref, type: r.type, target_ref: r.targetRef })),
      });
    }
    const deletes = [...snapshot.keys()].filter((ref) => !records.has(ref));
    const allProblems = [
      ...collected.problems,
      ...problems.map((p) => ({ ...p, location: fileLocation.get(p.file) ?? '' })),
    ];
    const stored =
      allProblems.length <= MAX_STORED_PROBLEMS
        ? allProblems
        : [
            ...allProblems.slice(0, MAX_STORED_PROBLEMS),
            {
              location: '',
              file: '',
              line: 1,
              column: 1,
              severity: 'error' as const,
              message: `${allProblems.length - MAX_STORED_PROBLEMS} more problems were found and not kept (at most ${MAX_STORED_PROBLEMS} are); fix these first`,
            },
          ];
    await writeChanges({ db, upserts, deletes, problems: stored });
    const definitionRefs = await this.#definitions.update({ db, records });
    const docsRefs = await this.#docs.update({ db, records, beside: collected.beside });
    // Last, so it reads what this refresh stored: an entity's rows carry its owner and type, and
    // those of its docs pages and operations.
    const indexed = await updateSearchIndex({
      db,
      changed: [...upserts.map((u) => u.row.ref), ...deletes, ...definitionRefs, ...docsRefs],
      allRefs: () => [...records.keys()],
    });
    if (indexed + upserts.length + deletes.length > 0) await mergePendingIndexEntries(db);
    const summary: RefreshSummary = {
      startedAt: now.toISOString(),
      durationMs: Math.round(performance.now() - started),
      files: collected.files.length,
      entities: records.size,
      added,
      updated,
      removed: deletes.length,
      unchanged: records.size - added - updated,
      problems: allProblems.length,
    };
    this.#last = summary;
    logger.info({ refresh: summary }, 'catalog refreshed');
    for (const listener of this.#listeners) listener(summary, 'here');
    return summary;
  }

  /** Entities, docs pages and API operations matching a query, ranked, with facets. */
  search(query: SearchQuery, limit: number, cursor?: string) {
    return search({ db: this.#options.db, query, limit, cursor });
  }

  query(filter: EntityFilter, limit: number, cursor?: string): Promise<EntityPage> {
    return queryEntities({ db: this.#options.db, filter, limit, cursor });
  }

  /** The same page as query(), as the API's JSON text per entity. */
  queryJson(filter: EntityFilter, limit: number, cursor?: string) {
    return queryEntityJson({ db: this.#options.db, filter, limit, cursor });
  }

  async get(ref: string): Promise<StoredEntity | undefined> {
    return (await getEntities({ db: this.#options.db, refs: [ref] })).get(ref);
  }

  getMany(refs: string[]): Promise<Map<string, StoredEntity>> {
    return getEntities({ db: this.#options.db, refs });
  }

  team(ref: string): Promise<TeamView | undefined> {
    return getTeam({ db: this.#options.db, ref });
  }

  /** Problems that belong to no entity, one page at a time (by file and position). */
  problems(limit = 500, cursor?: string): Promise<ProblemPage> {
    return listProblems({ db: this.#options.db, limit, cursor });
  }

  /** Entities matched by Backstage-style filters, as the API's JSON text. */
  queryByFields(options: Omit<Parameters<typeof queryFields>[0], 'db'>) {
    return queryFields({ db: this.#options.db, ...options });
  }

  countByFields(query: FieldQuery): Promise<number> {
    return countFields({ db: this.#options.db, query });
  }

  facets(query: FieldQuery, facets: string[]) {
    return queryFacets({ db: this.#options.db, query, facets });
  }

  /** An entity's docs site (nav, pages, problems), if it has docs. */
  docsSite(ref: string) {
    return getDocsSite({ db: this.#options.db, ref });
  }

  docsPage(ref: string, path: string) {
    return getDocsPage({ db: this.#options.db, ref, path });
  }

  /** A file of an entity's docs folder, read through the catalog's readers. */
  docsAsset(ref: string, path: string) {
    return this.#docs.asset(ref, path);
  }

  /** An API entity's definition, parsed; undefined for other entities. */
  definition(ref: string) {
    return getDefinition({ db: this.#options.db, ref });
  }

  /**
   * The entities an entity's API relations name, with each API's definition summary: for a
   * Component the APIs it provides and consumes, for an API its providers and consumers.
   */
  async apiRelations(ref: string): Promise<ApiRelations | undefined> {
    const stored = await this.get(ref);
    if (!stored) return undefined;
    const wanted = new Map<ApiRelation, string[]>(API_RELATIONS.map((t) => [t, []]));
    for (const r of stored.entity.relations ?? []) wanted.get(r.type as ApiRelation)?.push(r.targetRef);
    const refs = [...new Set([...wanted.values()].flat())];
    const [entities, summaries] = await Promise.all([
      this.getMany(refs),
      getDefinitionSummaries({ db: this.#options.db, refs: refs.filter((r) => r.startsWith('api:')) }),
    ]);
    const out = {} as ApiRelations;
    for (const [type, targets] of wanted) {
      out[type] = targets.map((target): RelatedEntity => {
        const e = entities.get(target)?.entity;
        const summary = summaries.get(target);
        return {
          ref: target,
          found: e !== undefined,
          ...(e?.metadata.title ? { title: e.metadata.title } : {}),
          ...(e?.metadata.description ? { description: e.metadata.description } : {}),
          ...(typeof e?.spec?.type === 'string' ? { type: e.spec.type } : {}),
          ...(typeof e?.spec?.lifecycle === 'string' ? { lifecycle: e.spec.lifecycle } : {}),
          ...(typeof e?.spec?.owner === 'string' ? { owner: e.spec.owner } : {}),
          ...(summary ? { definition: summary } : {}),
        };
      });
    }
    return out;
  }

  async getByUid(uid: string): Promise<StoredEntity | undefined> {
    const row = await selectStored(this.#options.db).where('e.uid', '=', uid).executeTakeFirst();
    return row && rowToStored(row);
  }

  /** The entity, then the Location entity that brought its file in, and so on up. */
  async ancestry(ref: string): Promise<StoredEntity[] | undefined> {
    const chain: StoredEntity[] = [];
    const seen = new Set<string>();
    for (let next: string | undefined = ref; next && !seen.has(next) && chain.length < 50; ) {
      seen.add(next);
      const stored = await this.get(next);
      if (!stored) break;
      chain.push(stored);
      next = stored.origin.parent;
    }
    return chain.length > 0 ? chain : undefined;
  }

  get allowLocationWrites(): boolean {
    return this.#options.catalog.allowLocationWrites;
  }

  /** Whether a location target (relative to the config file) stays inside the catalog root. */
  async insideRoot(target: string): Promise<boolean> {
    const { catalog, baseDir } = this.#options;
    const real = async (path: string) => realpath(path).catch(() => path);
    const root = await real(resolve(baseDir, catalog.root));
    // A glob's fixed prefix decides where it can reach; the collector checks each match again.
    const fixed = target.split(/[*?[{]/)[0]!;
    const path = await real(resolve(baseDir, fixed));
    return path === root || path.startsWith(root + sep);
  }

  /** Configured locations first, then those added through the API. */
  async locations(): Promise<{ configured: LocationConfig[]; added: LocationConfig[] }> {
    return {
      configured: this.#options.catalog.locations,
      added: await readAddedLocations({ db: this.#options.db }),
    };
  }

  /** Adds a location (the caller checks that the config allows it) and reads it at once. */
  async addLocation(location: LocationConfig): Promise<void> {
    const { db } = this.#options;
    const added = await readAddedLocations({ db });
    await writeAddedLocations({ db, locations: [...added, location] });
    await this.refresh();
  }

  async removeLocation(location: LocationConfig): Promise<void> {
    const { db } = this.#options;
    const key = locationKey(location);
    const added = await readAddedLocations({ db });
    await writeAddedLocations({ db, locations: added.filter((l) => locationKey(l) !== key) });
    await this.refresh();
  }

  /** What a location would bring in, without adding it: every valid entity of its files. */
  async previewLocation(location: LocationConfig) {
    const { catalog, baseDir } = this.#options;
    const collected = await collectLocations({
      root: catalog.root,
      baseDir,
      locations: [location],
      placeholders: catalog.placeholders,
    });
    return {
      entities: collected.files.flatMap((f) => f.parsed.documents.map((d) => d.entity)),
      files: collected.files.map((f) => ({
        file: f.parsed.file,
        entities: f.parsed.documents.map((d) => d.entity),
      })),
      problems: [...collected.problems, ...collected.files.flatMap((f) => f.parsed.problems)],
    };
  }

  /** Every entity a location brought in, by ref. */
  async fromLocation(location: LocationConfig): Promise<StoredEntity[]> {
    const rows = await selectStored(this.#options.db)
      .where('e.location', '=', locationKey(location))
      .orderBy('e.ref')
      .execute();
    return rows.map(rowToStored);
  }
}
