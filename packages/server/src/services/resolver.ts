// Ref -> entity -> locator, in one place: every route that takes a service ref (views, logs,
// events, findings, scaling, and next deploy and permissions) resolves it here.
import { normalizeRef } from '@portolan/core/catalog/ref';
import { InputError, NotFoundError } from '@portolan/core/errors';
import {
  type CatalogEntity,
  DISCOVERED_PREFIX,
  type DiscoveredService,
  locateService,
  type ServiceLocator,
} from '@portolan/core/services/index';
import type { ServiceCatalog } from './catalog.ts';

/** Entity kinds whose locators claim workloads, so what they claim is not "discovered". */
export const DEFAULT_DISCOVERY_KINDS: readonly string[] = ['component', 'system'];

/** The slice of the watch engine that discovery needs. */
export interface DiscoverySource {
  discover(entities: CatalogEntity[]): DiscoveredService[];
  discoveredLocator(id: string, entities: CatalogEntity[]): ServiceLocator;
}

export interface ResolvedService {
  /** The canonical entity ref, or a discovered service's id. */
  ref: string;
  locator: ServiceLocator;
  /** The catalog entity; absent for a discovered service. */
  entity?: CatalogEntity;
}

export interface ServiceResolverOptions {
  catalog: ServiceCatalog;
  discovery: DiscoverySource;
  discoveryKinds?: readonly string[];
}

const MAX_REF_LENGTH = 400;

/** A service ref as a URL gives it, canonical; a discovered service's id stays as it is. */
export function canonicalServiceRef(ref: string): string {
  if (ref.length > MAX_REF_LENGTH) throw new InputError('ref too long');
  if (ref.startsWith(DISCOVERED_PREFIX)) return ref;
  return normalizeRef(ref, { defaultKind: 'component' });
}

export class ServiceResolver {
  readonly catalog: ServiceCatalog;
  readonly #discovery: DiscoverySource;
  readonly #kinds: string[];

  constructor(options: ServiceResolverOptions) {
    this.catalog = options.catalog;
    this.#discovery = options.discovery;
    this.#kinds = [...(options.discoveryKinds ?? DEFAULT_DISCOVERY_KINDS)];
  }

  /** A service ref as a URL gives it (`checkout`, `component:pay/checkout`, `discovered:x`). */
  async resolve(ref: string): Promise<ResolvedService> {
    const canonical = canonicalServiceRef(ref);
    if (canonical.startsWith(DISCOVERED_PREFIX)) {
      return { ref, locator: this.#discovery.discoveredLocator(ref, await this.claimingEntities()) };
    }
    const entity = await this.catalog.getEntity(canonical);
    if (!entity) throw new NotFoundError(`no entity ${canonical}`, { name: canonical });
    const locator = locateService(entity);
    // An unusable annotation is this entity's problem: its own pages say so, nothing else fails.
    if (locator.problem) throw new InputError(locator.problem, { kind: entity.kind, name: canonical });
    return { ref: canonical, locator, entity };
  }

  /** A team ref (`payments` reads `group:default/payments`) and the entities it owns. */
  async owned(teamRef: string): Promise<{ team: string; entities: CatalogEntity[] }> {
    if (teamRef.length > MAX_REF_LENGTH) throw new InputError('ref too long');
    const team = normalizeRef(teamRef, { defaultKind: 'group' });
    return { team, entities: await this.catalog.listOwnedBy(team) };
  }

  /** The entities whose locators claim workloads. */
  claimingEntities(): Promise<CatalogEntity[]> {
    return this.catalog.listAll(this.#kinds);
  }

  /** Workloads no entity claims, grouped into services. */
  async discovered(): Promise<DiscoveredService[]> {
    return this.#discovery.discover(await this.claimingEntities());
  }

  async findDiscovered(id: string): Promise<DiscoveredService> {
    const svc = (await this.discovered()).find((s) => s.id === id);
    if (!svc) throw new NotFoundError(`no discovered service "${id}"`);
    return svc;
  }
}
