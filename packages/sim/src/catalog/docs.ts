// Docs sites for a generated catalog: a mkdocs.yml and Markdown pages per chosen component, the
// way teams keep docs beside their code, so the catalog benchmark can search docs at scale.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createRandom } from '../random.ts';
import type { CatalogEntity } from './generate.ts';
import { NOUNS } from './words.ts';

export interface GeneratedDocs {
  /** The catalog with the chosen components annotated (backstage.io/techdocs-ref). */
  entities: CatalogEntity[];
  /** Files relative to the catalog folder. */
  files: { path: string; text: string }[];
  pages: number;
}

const VERBS = [
  'deploy',
  'rotate',
  'debug',
  'scale',
  'migrate',
  'monitor',
  'roll back',
  'page',
  'restore',
  'tune',
];
const TOPICS = ['Overview', 'Runbook', 'Architecture', 'On-call', 'Getting started', 'Data model', 'FAQ'];

/**
 * Docs for enough components to make `pages` pages, `perSite` each. Every descriptor file is one
 * folder deep (systems/, components/), so a site under docs/<name> is `dir:../docs/<name>`.
 */
export function generateDocs(
  entities: readonly CatalogEntity[],
  { seed = 1, pages = 5000, perSite = 5 }: { seed?: number; pages?: number; perSite?: number } = {},
): GeneratedDocs {
  const rnd = createRandom(`docs:${seed}`);
  const components = entities.filter((e) => e.kind === 'Component');
  const chosen = new Set(rnd.sample(components, Math.ceil(pages / perSite)).map((e) => e.metadata.name));
  const files: GeneratedDocs['files'] = [];
  let written = 0;
  const out = entities.map((e) => {
    if (e.kind !== 'Component' || !chosen.has(e.metadata.name) || written >= pages) return e;
    const name = e.metadata.name;
    const count = Math.min(perSite, pages - written);
    const nav: string[] = [];
    for (let i = 0; i < count; i++) {
      const topic = i === 0 ? 'Overview' : `${rnd.pick(TOPICS)} ${i}`;
      const file = i === 0 ? 'index.md' : `page-${i}.md`;
      nav.push(`  - '${topic}': ${file}`);
      const paragraphs = Array.from({ length: rnd.int(3, 8) }, () => {
        const words = Array.from({ length: rnd.int(25, 60) }, () => rnd.pick(NOUNS)).join(' ');
        return `To ${rnd.pick(VERBS)} ${name}, check the ${words}.`;
      });
      files.push({
        path: `docs/${name}/docs/${file}`,
        text: `# ${topic}\n\n${paragraphs.join('\n\n')}\n\n## Commands\n\n\`\`\`sh\nkubectl rollout status deploy/${name}\n\`\`\`\n`,
      });
    }
    files.push({ path: `docs/${name}/mkdocs.yml`, text: `site_name: ${name}\nnav:\n${nav.join('\n')}\n` });
    written += count;
    return {
      ...e,
      metadata: {
        ...e.metadata,
        annotations: { ...e.metadata.annotations, 'backstage.io/techdocs-ref': `dir:../docs/${name}` },
      },
    };
  });
  return { entities: out, files, pages: written };
}

export async function writeDocsFiles(files: GeneratedDocs['files'], dir: string): Promise<void> {
  for (const f of files) {
    await mkdir(dirname(join(dir, f.path)), { recursive: true });
    await writeFile(join(dir, f.path), f.text);
  }
}
