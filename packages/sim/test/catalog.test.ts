import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ENTITY_NAME, generateCatalog, writeCatalog } from '../src/catalog/generate.ts';

describe('generateCatalog', () => {
  it('has the reference mix at scale 1.0', () => {
    const entities = generateCatalog({ seed: 7, scale: 1 });
    expect(entities).toHaveLength(20_000);
    const count = (kind: string, type?: string) =>
      entities.filter((e) => e.kind === kind && (type === undefined || e.spec.type === type)).length;
    expect(count('Component', 'service')).toBe(2000);
    expect(count('Component', 'data-pipeline')).toBe(4000);
    expect(count('Component', 'website')).toBe(300);
    expect(count('Component', 'mobile-feature')).toBe(200);
    expect(count('Group')).toBe(280);
    expect(count('User')).toBeGreaterThan(5000);
    expect(count('API')).toBeGreaterThan(0);
    expect(count('System')).toBeGreaterThan(0);
    expect(count('Domain')).toBeGreaterThan(0);
  });

  it('is deterministic, with valid unique names and resolvable references', () => {
    const a = generateCatalog({ seed: 'x', scale: 0.05 });
    const b = generateCatalog({ seed: 'x', scale: 0.05 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(generateCatalog({ seed: 'y', scale: 0.05 }))).not.toBe(JSON.stringify(a));
    const refs = new Set(a.map((e) => `${e.kind.toLowerCase()}:default/${e.metadata.name}`));
    expect(refs.size).toBe(a.length);
    for (const e of a) {
      expect(e.metadata.name).toMatch(ENTITY_NAME);
      const targets = [
        e.spec.owner,
        e.spec.system,
        e.spec.domain,
        e.spec.parent,
        ...((e.spec.providesApis as string[]) ?? []),
        ...((e.spec.consumesApis as string[]) ?? []),
        ...((e.spec.dependsOn as string[]) ?? []),
        ...((e.spec.memberOf as string[]) ?? []),
        ...((e.spec.children as string[]) ?? []),
      ].filter((t): t is string => typeof t === 'string');
      for (const t of targets) expect(refs.has(t), `${e.metadata.name} -> ${t}`).toBe(true);
    }
  });

  it('writes multi-document YAML files and a root Location', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'catalog-'));
    try {
      const entities = generateCatalog({ seed: 3, scale: 0.02 });
      const written = await writeCatalog(entities, dir);
      const root = parseAllDocuments(await readFile(written.rootFile, 'utf8'))[0]!.toJS();
      expect(root.kind).toBe('Location');
      let total = 0;
      for (const target of root.spec.targets as string[]) {
        const docs = parseAllDocuments(await readFile(join(dir, target), 'utf8'));
        total += docs.length;
      }
      expect(total).toBe(entities.length);
      expect(await readdir(join(dir, 'systems'))).not.toHaveLength(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
