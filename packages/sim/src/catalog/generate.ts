// A generated Backstage-style software catalog with the shape of a large music-streaming
// company's (see DESIGN.md, "the scale to design for"): at scale 1.0 it holds 20,000 entities,
// 2,000 back-end services, 4,000 data pipelines, 300 websites, 200 mobile features, their APIs,
// systems, domains, 280 teams and the users filling the rest. Deterministic from the seed.

import { createRandom, type Random } from '../random.ts';
import {
  DOMAIN_WORDS,
  FIRST_NAMES,
  LANGUAGES,
  LAST_NAMES,
  NOUNS,
  PIPELINE_SUFFIXES,
  SERVICE_SUFFIXES,
  TEAM_ADJECTIVES,
  TEAM_WORDS,
} from './words.ts';

export { writeCatalog } from './write.ts';

export interface CatalogEntity {
  apiVersion: 'backstage.io/v1alpha1';
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    title?: string;
    description?: string;
    tags?: string[];
    annotations?: Record<string, string>;
    links?: { url: string; title?: string; icon?: string }[];
  };
  spec: Record<string, unknown>;
}

export interface GenerateCatalogOptions {
  seed?: number | string;
  /** 1.0 = 20,000 entities. Every kind scales linearly, with at least one of each. */
  scale?: number;
}

/** Reference counts at scale 1.0. Users fill up to TOTAL. */
export const CATALOG_MIX = {
  total: 20_000,
  services: 2_000,
  pipelines: 4_000,
  websites: 300,
  mobileFeatures: 200,
  apis: 1_500,
  systems: 400,
  domains: 20,
  groups: 280,
} as const;

const API_VERSION = 'backstage.io/v1alpha1' as const;
const ORG = 'portolan-music';
const MAX_NAME = 63;

/** Backstage entity names: [a-z0-9A-Z] separated by [-_.], at most 63 characters. */
export const ENTITY_NAME = /^(?=.{1,63}$)[a-zA-Z0-9]+(?:[-_.][a-zA-Z0-9]+)*$/;

class NameBook {
  readonly #used = new Set<string>();
  unique(base: string): string {
    const clean = base
      .toLowerCase()
      .replace(/[^a-z0-9-_.]+/g, '-')
      .replace(/^[-_.]+|[-_.]+$/g, '')
      .slice(0, MAX_NAME - 4)
      .replace(/[-_.]+$/, '');
    let name = clean;
    for (let i = 2; this.#used.has(name); i++) name = `${clean}-${i}`;
    this.#used.add(name);
    return name;
  }
}

const ref = (kind: string, name: string) => `${kind}:default/${name}`;
const titleCase = (name: string) =>
  name
    .split(/[-_.]/)
    .map((w) => (w ? w[0]!.toUpperCase() + w.slice(1) : w))
    .join(' ');

function count(reference: number, scale: number): number {
  return Math.max(1, Math.round(reference * scale));
}

function lifecycle(rnd: Random, production: number): string {
  const r = rnd.next();
  if (r < production) return 'production';
  if (r < production + (1 - production) * 0.6) return 'experimental';
  return 'deprecated';
}

export function generateCatalog(options: GenerateCatalogOptions = {}): CatalogEntity[] {
  const scale = options.scale ?? 1;
  const rnd = createRandom(`catalog:${options.seed ?? 1}`);
  const out: CatalogEntity[] = [];

  // Domains and the department that owns each.
  const domainNames = new NameBook();
  const groupNames = new NameBook();
  const nDomains = count(CATALOG_MIX.domains, scale);
  const nGroups = Math.max(3, count(CATALOG_MIX.groups, scale));
  const nDepartments = Math.min(nDomains, Math.max(1, nGroups - 2));

  const root = groupNames.unique('engineering');
  const departments: string[] = [];
  const teamsByDepartment = new Map<string, string[]>();
  const domains: { name: string; department: string }[] = [];
  for (let i = 0; i < nDomains; i++) {
    const word = DOMAIN_WORDS[i % DOMAIN_WORDS.length]!;
    const name = domainNames.unique(
      i < DOMAIN_WORDS.length ? word : `${word}-${Math.floor(i / DOMAIN_WORDS.length) + 1}`,
    );
    if (departments.length < nDepartments) {
      const dep = groupNames.unique(`${name}-dept`);
      departments.push(dep);
      teamsByDepartment.set(dep, []);
    }
    domains.push({ name, department: departments[i % departments.length]! });
  }

  const teams: { name: string; department: string }[] = [];
  const nTeams = nGroups - 1 - departments.length;
  for (let i = 0; i < nTeams; i++) {
    const department = departments[i % departments.length]!;
    const name = groupNames.unique(`${rnd.pick(TEAM_ADJECTIVES)}-${rnd.pick(TEAM_WORDS)}`);
    teams.push({ name, department });
    teamsByDepartment.get(department)!.push(name);
  }

  // Users: created first so that group profiles can name a lead; emitted after groups.
  const nSystems = count(CATALOG_MIX.systems, scale);
  const nServices = count(CATALOG_MIX.services, scale);
  const nPipelines = count(CATALOG_MIX.pipelines, scale);
  const nWebsites = count(CATALOG_MIX.websites, scale);
  const nMobile = count(CATALOG_MIX.mobileFeatures, scale);
  const nApis = count(CATALOG_MIX.apis, scale);
  const fixed = nDomains + nGroups + nSystems + nServices + nPipelines + nWebsites + nMobile + nApis;
  const nUsers = Math.max(1, Math.round(CATALOG_MIX.total * scale) - fixed);

  const groupEntity = (name: string, type: string, parent: string | undefined, children: string[]) => {
    const spec: Record<string, unknown> = {
      type,
      profile: { displayName: titleCase(name), email: `${name}@${ORG}.example.com` },
      children: children.map((c) => ref('group', c)),
    };
    if (parent) spec.parent = ref('group', parent);
    out.push({
      apiVersion: API_VERSION,
      kind: 'Group',
      metadata: { name, namespace: 'default', description: `${titleCase(name)} (${type})` },
      spec,
    });
  };
  groupEntity(root, 'organization', undefined, departments);
  for (const dep of departments) groupEntity(dep, 'department', root, teamsByDepartment.get(dep) ?? []);
  for (const team of teams) groupEntity(team.name, 'team', team.department, []);

  const userNames = new NameBook();
  const allTeams = teams.length > 0 ? teams.map((t) => t.name) : departments;
  for (let i = 0; i < nUsers; i++) {
    const first = rnd.pick(FIRST_NAMES);
    const last = rnd.pick(LAST_NAMES);
    const name = userNames.unique(`${first}.${last}`);
    // Spread users evenly over teams so every team has members, with a few in two teams.
    const memberOf = [ref('group', allTeams[i % allTeams.length]!)];
    if (rnd.chance(0.05)) memberOf.push(ref('group', rnd.pick(allTeams)));
    out.push({
      apiVersion: API_VERSION,
      kind: 'User',
      metadata: { name, namespace: 'default' },
      spec: {
        profile: {
          displayName: `${titleCase(first)} ${titleCase(last)}`,
          email: `${name}@${ORG}.example.com`,
        },
        memberOf: [...new Set(memberOf)],
      },
    });
  }

  for (const d of domains) {
    out.push({
      apiVersion: API_VERSION,
      kind: 'Domain',
      metadata: {
        name: d.name,
        namespace: 'default',
        title: titleCase(d.name),
        description: `Everything ${d.name}.`,
      },
      spec: { owner: ref('group', d.department) },
    });
  }

  // Systems, each in a domain and owned by a team of that domain's department.
  const systemNames = new NameBook();
  const systems: { name: string; domain: string; owner: string; department: string }[] = [];
  for (let i = 0; i < nSystems; i++) {
    const domain = domains[i % domains.length]!;
    const candidates = teamsByDepartment.get(domain.department) ?? [];
    const owner = candidates.length > 0 ? rnd.pick(candidates) : domain.department;
    const name = systemNames.unique(
      `${rnd.pick(NOUNS)}-${rnd.pick(['platform', 'core', 'experience', 'insights', 'hub', 'engine', 'suite'])}`,
    );
    systems.push({ name, domain: domain.name, owner, department: domain.department });
    out.push({
      apiVersion: API_VERSION,
      kind: 'System',
      metadata: {
        name,
        namespace: 'default',
        title: titleCase(name),
        description: `The ${titleCase(name)} system.`,
      },
      spec: { owner: ref('group', owner), domain: ref('domain', domain.name) },
    });
  }
  // A few big systems and a long tail, as in real organisations.
  const systemWeights = systems.map((_, i) => 1 / (1 + (i % 37)));
  const ownerFor = (system: (typeof systems)[number]) => {
    if (rnd.chance(0.8)) return system.owner;
    const mates = teamsByDepartment.get(system.department) ?? [];
    return mates.length > 0 ? rnd.pick(mates) : system.owner;
  };

  const componentNames = new NameBook();
  const components: CatalogEntity[] = [];
  const services: CatalogEntity[] = [];
  const makeComponent = (
    type: string,
    base: string,
    production: number,
    extra: (e: CatalogEntity) => void,
  ) => {
    const system = systems[rnd.weighted(systemWeights)]!;
    const name = componentNames.unique(base);
    const language = rnd.pick(LANGUAGES);
    const e: CatalogEntity = {
      apiVersion: API_VERSION,
      kind: 'Component',
      metadata: {
        name,
        namespace: 'default',
        title: titleCase(name),
        description: `${titleCase(name)}: a ${type} in ${titleCase(system.name)}.`,
        tags: [language, type],
        annotations: {
          'github.com/project-slug': `${ORG}/${name}`,
          'backstage.io/techdocs-ref': 'dir:.',
        },
      },
      spec: {
        type,
        lifecycle: lifecycle(rnd, production),
        owner: ref('group', ownerFor(system)),
        system: ref('system', system.name),
      },
    };
    extra(e);
    components.push(e);
    return e;
  };

  for (let i = 0; i < nServices; i++) {
    const base = rnd.chance(0.5)
      ? `${rnd.pick(NOUNS)}-${rnd.pick(SERVICE_SUFFIXES)}`
      : `${rnd.pick(NOUNS)}-${rnd.pick(NOUNS)}-${rnd.pick(SERVICE_SUFFIXES)}`;
    const svc = makeComponent('service', base, 0.8, (e) => {
      e.metadata.annotations!['backstage.io/kubernetes-id'] = e.metadata.name;
      e.metadata.links = [
        {
          url: `https://grafana.${ORG}.example.com/d/${e.metadata.name}`,
          title: 'Dashboard',
          icon: 'dashboard',
        },
        { url: `https://runbooks.${ORG}.example.com/${e.metadata.name}`, title: 'Runbook', icon: 'docs' },
      ];
    });
    services.push(svc);
  }
  for (let i = 0; i < nPipelines; i++) {
    makeComponent(
      'data-pipeline',
      `${rnd.pick(NOUNS)}-${rnd.pick(NOUNS)}-${rnd.pick(PIPELINE_SUFFIXES)}`,
      0.85,
      (e) => {
        e.metadata.annotations!['portolan.dev/schedule'] = rnd.pick([
          '@hourly',
          '@daily',
          '0 3 * * *',
          '*/15 * * * *',
        ]);
      },
    );
  }
  for (let i = 0; i < nWebsites; i++) {
    makeComponent(
      'website',
      `${rnd.pick(NOUNS)}-${rnd.pick(['site', 'web', 'portal', 'dashboard', 'console'])}`,
      0.8,
      () => {},
    );
  }
  for (let i = 0; i < nMobile; i++) {
    makeComponent(
      'mobile-feature',
      `${rnd.pick(NOUNS)}-${rnd.pick(['screen', 'feature', 'flow', 'widget'])}`,
      0.75,
      () => {},
    );
  }

  // APIs, each provided by one service (most services provide at most one).
  const apiNames = new NameBook();
  const apis: CatalogEntity[] = [];
  const providers = rnd.sample(services, Math.min(services.length, nApis));
  for (let i = 0; i < nApis; i++) {
    const provider = providers[i % providers.length]!;
    const type = rnd.pick(['openapi', 'openapi', 'grpc', 'asyncapi']);
    const suffix = type === 'asyncapi' ? 'events' : type === 'grpc' ? 'grpc' : 'api';
    const name = apiNames.unique(`${provider.metadata.name.replace(/-(api|service)$/, '')}-${suffix}`);
    const api: CatalogEntity = {
      apiVersion: API_VERSION,
      kind: 'API',
      metadata: {
        name,
        namespace: 'default',
        title: titleCase(name),
        description: `${titleCase(name)} (${type}).`,
      },
      spec: {
        type,
        lifecycle: provider.spec.lifecycle,
        owner: provider.spec.owner,
        system: provider.spec.system,
        definition: apiDefinition(type, name),
      },
    };
    apis.push(api);
    const provided = (provider.spec.providesApis as string[] | undefined) ?? [];
    provided.push(ref('api', name));
    provider.spec.providesApis = provided;
  }
  for (const c of components) {
    const consumes = c.spec.type === 'data-pipeline' ? 0.3 : 0.7;
    if (apis.length > 0 && rnd.chance(consumes)) {
      c.spec.consumesApis = rnd.sample(apis, rnd.int(1, 4)).map((a) => ref('api', a.metadata.name));
    }
    if (services.length > 1 && rnd.chance(0.5)) {
      const deps = rnd
        .sample(services, rnd.int(1, 3))
        .filter((s) => s !== c)
        .map((s) => ref('component', s.metadata.name));
      if (deps.length > 0) c.spec.dependsOn = deps;
    }
  }

  out.push(...components, ...apis);
  return out;
}

function apiDefinition(type: string, name: string): string {
  const title = titleCase(name);
  if (type === 'grpc') {
    const svc = title.replace(/\s+/g, '');
    return `syntax = "proto3";\npackage ${name.replace(/[-.]/g, '_')}.v1;\n\nservice ${svc} {\n  rpc Get (GetRequest) returns (GetResponse);\n}\n\nmessage GetRequest { string id = 1; }\nmessage GetResponse { string id = 1; string payload = 2; }\n`;
  }
  if (type === 'asyncapi') {
    return `asyncapi: 2.6.0\ninfo:\n  title: ${title}\n  version: 1.0.0\nchannels:\n  ${name}.changed:\n    subscribe:\n      message:\n        payload:\n          type: object\n          properties:\n            id:\n              type: string\n`;
  }
  return `openapi: 3.0.3\ninfo:\n  title: ${title}\n  version: 1.0.0\npaths:\n  /v1/items/{id}:\n    get:\n      parameters:\n        - name: id\n          in: path\n          required: true\n          schema:\n            type: string\n      responses:\n        '200':\n          description: The item.\n`;
}

/** Catalog services that run on Kubernetes: the production (and some experimental) services. */
export function kubernetesServices(entities: readonly CatalogEntity[]): CatalogEntity[] {
  return entities.filter(
    (e) =>
      e.kind === 'Component' &&
      e.spec.type === 'service' &&
      e.metadata.annotations?.['backstage.io/kubernetes-id'] !== undefined &&
      e.spec.lifecycle !== 'deprecated',
  );
}
