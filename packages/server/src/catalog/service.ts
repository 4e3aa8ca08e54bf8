import { assembleCatalog, type ParsedFile } from '@portolan/core/catalog/index';
import { tryNormalizeRef } from '@portolan/core/catalog/ref';
import type { Logger } from 'pino';
import type { PortolanConfig } from '../config/schema.ts';
import type { Database } from '../db/database.ts';
import { collectLocations, locationKey } from './collect.ts';
import { getEntities } from './store/getEntities.ts';
import { getTeam, type TeamView } from './store/getTeam.ts';
import { listProblems } from './store/listProblems.ts';
import { type EntityFilter, type EntityPage, queryEntities, queryEntityJson } from './store/queryEntities.ts';
import { readSnapshot } from './store/readSnapshot.ts';
import { recordToRow, type StoredEntity } from './store/rows.ts';
import { type EntityWrite, writeChanges } from './store/writeChanges.ts';

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
  readonly #listeners = new Set<(summary: RefreshSummary) => void>();
  readonly #parsed = new Map<string, { text: string; parsed: ParsedFile }>();

  constructor(options: CatalogServiceOptions) {
    this.#options = options;
  }

  get lastRefresh(): RefreshSummary | undefined {
    return this.#last;
  }

  onRefresh(listener: (summary: RefreshSummary) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
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

  /** Runs a refresh, or joins the one already running. */
  refresh(): Promise<RefreshSummary> {
    this.#running ??= this.#refresh().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #refresh(): Promise<RefreshSummary> {
    const { db, catalog, baseDir, logger } = this.#options;
    const now = this.#options.now?.() ?? new Date();
    const started = performance.now();
    const [collected, snapshot] = await Promise.all([
      collectLocations({ root: catalog.root, baseDir, locations: catalog.locations, cache: this.#parsed }),
      readSnapshot({ db }),
    ]);
    const strategies = new Map(catalog.locations.map((l) => [locationKey(l), l.orphans]));
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
      const { row, document, hash, tags } = recordToRow(ref, record, owner, system);
      const before = snapshot.get(ref);
      if (before?.hash === hash) continue;
      if (before) updated++;
      else added++;
      upserts.push({
        row: { ...row, hash, updated_at: updatedAt },
        document,
        tags,
        relations: record.relations.map((r) => ({ source_ref: ref, type: r.type, target_ref: r.targetRef })),
      });
    }
    const deletes = [...snapshot.keys()].filter((ref) => !records.has(ref));
    const allProblems = [
      ...collected.problems,
      ...problems.map((p) => ({ ...p, location: fileLocation.get(p.file) ?? '' })),
    ];
    await writeChanges({ db, upserts, deletes, problems: allProblems });
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
    for (const listener of this.#listeners) listener(summary);
    return summary;
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

  problems() {
    return listProblems({ db: this.#options.db });
  }
}
