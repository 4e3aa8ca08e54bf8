// The catalog across replicas: only the leader reads the locations and writes the catalog; every
// replica hears of each refresh (its summary) on the bus, and a refresh asked of a replica that
// does not lead is passed to the leader and answered when the leader is done.
import { randomUUID } from 'node:crypto';
import { UnavailableError } from '@portolan/core/errors';
import type { CatalogService, RefreshSummary } from '../catalog/service.ts';
import type { Logger } from '../log.ts';
import type { Bus } from './bus.ts';
import type { LeaderLease } from './lease.ts';

const REFRESHED = 'catalog.refreshed';
const WANTED = 'catalog.wanted';
const REQUESTED = 'catalog.refresh-requested';
const ANSWERED = 'catalog.refresh-answered';

export interface ShareCatalogOptions {
  catalog: CatalogService;
  bus: Bus;
  leader: LeaderLease;
  logger: Logger;
  /** How long a replica that does not lead waits for the leader's refresh (default 60 s). */
  timeoutMs?: number;
}

/** Wire the catalog to the lease and the bus; call before `leader.start()`. */
export function shareCatalog(o: ShareCatalogOptions): { ready(): Promise<void> } {
  const { catalog, bus, leader, logger } = o;
  const announce = (summary: RefreshSummary) =>
    void bus
      .publish(REFRESHED, summary)
      .catch((error) => logger.warn({ err: error }, 'refresh not announced'));
  let started = false;
  catalog.onRefresh((summary, where) => {
    if (where === 'here') announce(summary);
  });
  bus.subscribe(REFRESHED, (summary) => {
    if (!leader.isLeader) catalog.adopt(summary as RefreshSummary);
  });
  bus.subscribe(WANTED, () => {
    if (leader.isLeader && catalog.lastRefresh) announce(catalog.lastRefresh);
  });
  bus.subscribe(REQUESTED, (data) => {
    if (!leader.isLeader) return;
    const id = (data as { id?: unknown }).id;
    catalog.refresh({ fresh: true }).then(
      (summary) => bus.publish(ANSWERED, { id, summary }),
      (error: Error) => {
        logger.error({ err: error }, 'catalog refresh failed');
        return bus.publish(ANSWERED, { id, error: error.message });
      },
    );
  });
  const viaLeader = () =>
    new Promise<RefreshSummary>((resolve, reject) => {
      const id = randomUUID();
      const timer = setTimeout(() => {
        off();
        reject(new UnavailableError('no replica leads the catalog refresh at the moment; try again shortly'));
      }, o.timeoutMs ?? 60_000);
      const off = bus.subscribe(ANSWERED, (data) => {
        const answer = data as { id?: string; summary?: RefreshSummary; error?: string };
        if (answer.id !== id) return;
        clearTimeout(timer);
        off();
        if (answer.summary) resolve(answer.summary);
        else
          reject(new UnavailableError(`the leader's catalog refresh failed: ${answer.error ?? 'unknown'}`));
      });
      bus.publish(REQUESTED, { id }).catch((error) => {
        clearTimeout(timer);
        off();
        reject(error);
      });
    });
  catalog.delegateRefresh(viaLeader);
  leader.whileLeader(() => {
    catalog.delegateRefresh(undefined);
    // Taking over from a leader that stopped: read the catalog now, then on the interval.
    if (started)
      void catalog.refresh().catch((error) => logger.error({ err: error }, 'catalog refresh failed'));
    catalog.start();
    return () => {
      catalog.stop();
      catalog.delegateRefresh(viaLeader);
    };
  });
  return {
    /** After `leader.start()`: the leader reads the catalog (as the portal did before it listens); others ask for the last summary. */
    async ready() {
      started = true;
      if (leader.isLeader) {
        await catalog
          .refresh()
          .catch((error) => logger.error({ err: error }, 'first catalog refresh failed'));
      } else {
        await bus.publish(WANTED, {});
      }
    },
  };
}
