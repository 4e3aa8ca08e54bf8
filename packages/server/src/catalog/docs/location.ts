import { posix } from 'node:path';
import type { Entity } from '@portolan/core/catalog/index';

export const TECHDOCS_REF = 'backstage.io/techdocs-ref';

export interface DocsLocation {
  /** The docs project folder (where mkdocs.yml is), relative to the descriptor's folder. */
  root: string;
  /** Set when the annotation could not be used. */
  problem?: string;
}

/** Where an entity's docs are, from its annotation; undefined when it names none. */
export function docsLocation(entity: Entity): DocsLocation | undefined {
  const ref = entity.metadata.annotations?.[TECHDOCS_REF];
  if (typeof ref !== 'string') return undefined;
  const match = /^dir:(.*)$/.exec(ref.trim());
  if (!match) return { root: '.', problem: `${TECHDOCS_REF} "${ref}": only dir:<path> is read` };
  const root = posix.normalize(match[1]!.trim() || '.');
  if (posix.isAbsolute(root))
    return { root: '.', problem: `${TECHDOCS_REF} "${ref}": the path must be relative` };
  return { root };
}
