// Writes a generated catalog as descriptor files the way real organisations keep them: one file
// per system holding the system, its components and APIs; the org (groups, users, domains) in
// its own files; and a root catalog-info.yaml whose Location points at all of them.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { CatalogEntity } from './generate.ts';

export interface WrittenCatalog {
  /** The root location file (catalog-info.yaml under dir). */
  rootFile: string;
  files: string[];
}

// Descriptor files may hold at most 1,000 documents.
const USERS_PER_FILE = 1000;

export async function writeCatalog(entities: readonly CatalogEntity[], dir: string): Promise<WrittenCatalog> {
  const groups = new Map<string, CatalogEntity[]>();
  const add = (file: string, e: CatalogEntity) => {
    const list = groups.get(file);
    if (list) list.push(e);
    else groups.set(file, [e]);
  };
  let users = 0;
  for (const e of entities) {
    if (e.kind === 'System') add(`systems/${e.metadata.name}.yaml`, e);
    else if (e.kind === 'Group') add('org/groups.yaml', e);
    else if (e.kind === 'User') add(`org/users-${Math.floor(users++ / USERS_PER_FILE) + 1}.yaml`, e);
    else if (e.kind === 'Domain') add('org/domains.yaml', e);
    else {
      const system =
        typeof e.spec.system === 'string' ? e.spec.system.replace(/^system:(default\/)?/, '') : '';
      add(system ? `systems/${system}.yaml` : 'components/unsorted.yaml', e);
    }
  }
  await mkdir(join(dir, 'systems'), { recursive: true });
  await mkdir(join(dir, 'org'), { recursive: true });
  await mkdir(join(dir, 'components'), { recursive: true });
  const targets = [...groups.keys()].sort();
  for (const file of targets) {
    // lineWidth 0: never fold long strings, so API definitions stay readable block scalars.
    const docs = groups.get(file)!.map((e) => stringify(e, { lineWidth: 0 }));
    await writeFile(join(dir, file), docs.join('---\n'));
  }
  const location = {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Location',
    metadata: { name: 'portolan-sim-catalog', description: 'The simulated fleet’s generated catalog.' },
    spec: { targets: targets.map((t) => `./${t}`) },
  };
  const rootFile = join(dir, 'catalog-info.yaml');
  await writeFile(rootFile, stringify(location));
  return { rootFile, files: targets.map((t) => join(dir, t)) };
}
