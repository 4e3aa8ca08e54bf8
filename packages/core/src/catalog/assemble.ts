// Decides what the catalog holds after a refresh, from the files read in location order and
// what the catalog held before. Pure, so every "nothing is lost" rule is unit tested:
// - the first definition of a ref wins; a second one is reported on both sides;
// - an entity whose file fails to parse, or whose document became invalid, keeps its last good
//   version and carries the error;
// - an entity no longer emitted is dropped, or kept as an orphan when its location says so.
import type { ParsedFile, Problem } from './descriptor.ts';
import type { Relation } from './entity.ts';
import { type Entity, entityRef } from './entity.ts';
import { computeRelations } from './relations.ts';

export type OrphanStrategy = 'delete' | 'keep';

export interface EntityProblem {
  severity: 'error' | 'warning';
  message: string;
  file?: string;
  line?: number;
  column?: number;
  /** The winner's side of a conflict, whose other side is reported against the losing file. */
  conflict?: true;
}

export interface Origin {
  /** The configured location (its key) that brought the file in. */
  location: string;
  file: string;
  line: number;
  /** The Location entity whose target named the file, when one did (for ancestry). */
  parent?: string;
}

export interface SourceFile {
  location: string;
  parsed: ParsedFile;
  /** The ref of the Location entity whose target named this file, if any. */
  parent?: string;
}

export interface CatalogRecord {
  entity: Entity;
  origin: Origin;
  status: 'ok' | 'orphan';
  problems: EntityProblem[];
  relations: Relation[];
}

export interface AssembleInput {
  /** Files in the order their locations are configured (earlier wins a conflict). */
  files: SourceFile[];
  /** Files that could not be read at all this time (their entities keep their last version). */
  unreadable: { location: string; file: string; message: string }[];
  previous: ReadonlyMap<string, Pick<CatalogRecord, 'entity' | 'origin'>>;
  orphanStrategy: (location: string) => OrphanStrategy;
}

export interface AssembleResult {
  records: Map<string, CatalogRecord>;
  /** Problems that belong to no entity in the result. */
  problems: Problem[];
}

const at = (p: Problem): EntityProblem => ({
  severity: p.severity,
  message: p.message,
  file: p.file,
  line: p.line,
  column: p.column,
});

export function assembleCatalog(input: AssembleInput): AssembleResult {
  const records = new Map<string, CatalogRecord>();
  const problems: Problem[] = [];
  const failedFiles = new Map<string, string>();
  const invalid = new Map<string, EntityProblem[]>();

  for (const { location, parsed, parent } of input.files) {
    if (parsed.failed) {
      failedFiles.set(parsed.file, parsed.problems[0]?.message ?? 'could not be parsed');
      problems.push(...parsed.problems);
      continue;
    }
    // Warnings about a valid document (e.g. a placeholder kept as written) stay with its entity.
    const warnings = new Map<string, EntityProblem[]>();
    for (const problem of parsed.problems) {
      if (problem.entityRef && problem.severity === 'warning') {
        warnings.set(problem.entityRef, [...(warnings.get(problem.entityRef) ?? []), at(problem)]);
      } else if (problem.entityRef) {
        const list = invalid.get(problem.entityRef) ?? [];
        list.push(at(problem));
        invalid.set(problem.entityRef, list);
      } else {
        problems.push(problem);
      }
    }
    for (const { entity, position } of parsed.documents) {
      const ref = entityRef(entity);
      const existing = records.get(ref);
      if (existing) {
        const here = `${parsed.file}:${position.line}`;
        const there = `${existing.origin.file}:${existing.origin.line}`;
        existing.problems.push({
          severity: 'warning',
          message: `${ref} is also defined in ${here} (location ${location}); the definition here wins because its location comes first`,
          file: parsed.file,
          line: position.line,
          column: position.column,
          conflict: true,
        });
        problems.push({
          file: parsed.file,
          line: position.line,
          column: position.column,
          severity: 'error',
          message: `${ref} is already defined in ${there} (location ${existing.origin.location}); this definition is ignored`,
          entityRef: ref,
        });
        continue;
      }
      records.set(ref, {
        entity,
        origin: { location, file: parsed.file, line: position.line, ...(parent ? { parent } : {}) },
        status: 'ok',
        problems: warnings.get(ref) ?? [],
        relations: [],
      });
    }
  }
  for (const u of input.unreadable) failedFiles.set(u.file, u.message);

  // Keep the last good version of anything whose source is broken right now.
  for (const [ref, previous] of input.previous) {
    if (records.has(ref)) continue;
    const fileError = failedFiles.get(previous.origin.file);
    const docErrors = invalid.get(ref);
    if (fileError !== undefined) {
      records.set(ref, {
        ...previous,
        status: 'ok',
        relations: [],
        problems: [
          {
            severity: 'error',
            message: `${previous.origin.file} cannot be read right now (${fileError}); showing the last good version`,
            file: previous.origin.file,
          },
        ],
      });
    } else if (docErrors) {
      records.set(ref, {
        ...previous,
        status: 'ok',
        relations: [],
        problems: [
          ...docErrors,
          { severity: 'error', message: 'the descriptor is invalid; showing the last good version' },
        ],
      });
      invalid.delete(ref);
    } else if (input.orphanStrategy(previous.origin.location) === 'keep') {
      records.set(ref, {
        ...previous,
        status: 'orphan',
        relations: [],
        problems: [
          {
            severity: 'warning',
            message: `orphan: no longer emitted by ${previous.origin.file} (location ${previous.origin.location})`,
          },
        ],
      });
    }
  }
  // Invalid documents with no last good version are reported against their file.
  for (const [ref, list] of invalid) {
    for (const p of list) {
      problems.push({
        file: p.file ?? '',
        line: p.line ?? 1,
        column: p.column ?? 1,
        severity: 'error',
        message: p.message,
        entityRef: ref,
      });
    }
  }

  const { relations, warnings } = computeRelations([...records.values()].map((r) => r.entity));
  for (const [ref, record] of records) {
    record.relations = relations.get(ref) ?? [];
    // Located at the entity's document: the reference is written there.
    for (const message of warnings.get(ref) ?? []) {
      record.problems.push({
        severity: 'warning',
        message,
        file: record.origin.file,
        line: record.origin.line,
      });
    }
  }
  return { records, problems };
}
