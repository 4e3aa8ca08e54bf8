// Records rollouts Portolan did not make. Every `intervalMs` it reads the images of each catalog
// service's workloads from the watch caches (memory, no cluster call) and compares them with the
// last look; an image no deployment of the service planned or restored becomes an external
// deployment. Known limitation: a change and its revert between two looks are not seen.
import { randomUUID } from 'node:crypto';
import {
  externalChanges,
  externalDeployment,
  plannedImages,
  workloadImages,
} from '@portolan/core/deploy/index';
import { entityRef, locateService } from '@portolan/core/services/index';
import type { Database } from '../db/database.ts';
import type { Logger } from '../log.ts';
import type { Fence } from '../replicas/lease.ts';
import type { ServiceResolver } from '../services/resolver.ts';
import type { LiveServices } from './service.ts';
import { importDeployments } from './store/importDeployments.ts';
import { listDeployments } from './store/listDeployments.ts';

export interface ExternalRecorderOptions {
  db: Database;
  live: Pick<LiveServices, 'objectsFor'>;
  resolver: Pick<ServiceResolver, 'claimingEntities'>;
  intervalMs: number;
  now?: () => number;
  logger?: Logger;
}

/** How far back a deployment's plan explains an image change (it may have ended since). */
const EXPLAINS_MS = 24 * 3_600_000;

export class ExternalRecorder {
  readonly #o: ExternalRecorderOptions;
  readonly #last = new Map<string, Map<string, string>>();
  #timer: NodeJS.Timeout | undefined;
  #scanning: Promise<number> | undefined;
  #fence: Fence | undefined;

  constructor(options: ExternalRecorderOptions) {
    this.#o = options;
  }

  /** With `fence` (the leader lease's term), a scan records nothing once another replica leads. */
  start(fence?: Fence): void {
    this.#fence = fence;
    this.#timer = setInterval(
      () => void this.scan().catch((err) => this.#o.logger?.warn({ err }, 'external deploy scan failed')),
      this.#o.intervalMs,
    );
    this.#timer.unref?.();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#scanning?.catch(() => 0);
  }

  /** One look; returns how many external deployments it recorded. The first look is the baseline. */
  scan(): Promise<number> {
    this.#scanning ??= this.#scan().finally(() => {
      this.#scanning = undefined;
    });
    return this.#scanning;
  }

  async #scan(): Promise<number> {
    const now = this.#o.now?.() ?? Date.now();
    const entities = await this.#o.resolver.claimingEntities();
    const recent = await listDeployments({
      db: this.#o.db,
      since: new Date(now - EXPLAINS_MS).toISOString(),
      limit: 100_000,
    });
    const active = await listDeployments({ db: this.#o.db, active: true, limit: 100_000 });
    const expected = new Map<string, Map<string, Set<string>>>();
    for (const d of [...recent, ...active]) {
      if (!d.state.plan || d.state.external) continue;
      expected.set(d.service, plannedImages(d.state.plan, expected.get(d.service)));
    }
    const found = [];
    for (const entity of entities) {
      const locator = locateService(entity);
      if (locator.problem) continue;
      const ref = entityRef(entity);
      const images = workloadImages(this.#o.live.objectsFor(locator));
      const before = this.#last.get(ref);
      this.#last.set(ref, images);
      if (!before) continue;
      const changes = externalChanges(before, images, expected.get(ref));
      if (changes.length === 0) continue;
      found.push({
        id: randomUUID(),
        service: ref,
        events: externalDeployment(ref, changes, new Date(now).toISOString()),
      });
    }
    if (found.length > 0)
      await importDeployments({
        db: this.#o.db,
        deployments: found,
        ...(this.#fence ? { fence: this.#fence } : {}),
      });
    return found.length;
  }
}
