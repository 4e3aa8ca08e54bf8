// Keeps the stored API definitions in step with the catalog: after each refresh, definitions
// whose type or text changed are parsed again and the rest are left alone.
import { createHash } from 'node:crypto';
import { type DefinitionView, summarizeDefinition } from '@portolan/core/apis/definition';
import type { CatalogRecord } from '@portolan/core/catalog/index';
import type { Database } from '../../db/database.ts';
import type { CatalogDefinitionRow } from '../../db/tables.ts';
import { readDefinitionHashes, writeDefinitions } from '../store/definitions.ts';
import { parseDefinition } from './parse.ts';

const CACHE_LIMIT = 2000;

export function definitionHash(type: unknown, definition: unknown): string {
  return createHash('sha256')
    .update(`${String(type)}\0${typeof definition === 'string' ? definition : JSON.stringify(definition)}`)
    .digest('hex')
    .slice(0, 32);
}

export class DefinitionIndex {
  /** Views by hash, so a definition moved between entities (or databases) is parsed once. */
  readonly #cache = new Map<string, DefinitionView>();

  async parse(type: unknown, definition: unknown): Promise<DefinitionView> {
    const hash = definitionHash(type, definition);
    const cached = this.#cache.get(hash);
    if (cached) return cached;
    const view = await parseDefinition(type, definition);
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(hash, view);
    return view;
  }

  /** Parses and stores what changed; returns the refs whose definition was written or removed. */
  async update({ db, records }: { db: Database; records: Map<string, CatalogRecord> }): Promise<string[]> {
    const stored = await readDefinitionHashes({ db });
    const writes: CatalogDefinitionRow[] = [];
    const present = new Set<string>();
    for (const [ref, record] of records) {
      if (record.entity.kind !== 'API') continue;
      present.add(ref);
      const { type, definition } = record.entity.spec ?? {};
      const hash = definitionHash(type, definition);
      if (stored.get(ref) === hash) continue;
      const view = await this.parse(type, definition);
      writes.push({
        ref,
        hash,
        summary: JSON.stringify(summarizeDefinition(view)),
        view: JSON.stringify(view),
      });
    }
    const deletes = [...stored.keys()].filter((ref) => !present.has(ref));
    await writeDefinitions({ db, writes, deletes });
    return [...writes.map((w) => w.ref), ...deletes];
  }
}
