// Deployments as the API sees them: request one (plan it from the live service, store it with its
// first events), read them, act on them (pause, resume, approve, cancel, rollback), and the
// delivery metrics. The executor moves them along; this module only records what callers ask.
import { randomUUID } from 'node:crypto';
import {
  ANNOTATION_IMAGE_REPOSITORY,
  allowedActions,
  blockedReasons,
  type CommitInfo,
  DEFAULT_STRATEGY,
  type DeliveryMetrics,
  type DeliveryRecord,
  type DeploymentEvent,
  type DeploymentEventBody,
  type DeployRequest,
  deliveryMetrics,
  deliveryRecord,
  planDeployment,
  type StoredEvent,
  type Strategy,
  strategyFromAnnotations,
} from '@portolan/core/deploy/index';
import { ConflictError, InputError } from '@portolan/core/errors';
import type { ClusterObject } from '@portolan/core/k8s/types';
import { entityRef, type ServiceLocator } from '@portolan/core/services/index';
import type { Database } from '../db/database.ts';
import type { ServiceResolver } from '../services/resolver.ts';
import { appendEvents } from './store/appendEvents.ts';
import { createDeployment } from './store/createDeployment.ts';
import { getDeployment } from './store/getDeployment.ts';
import { listDeployments } from './store/listDeployments.ts';
import { listEvents } from './store/listEvents.ts';
import type { StoredDeployment } from './store/rows.ts';

/** The slice of the watch engine planning reads. */
export interface LiveServices {
  objectsFor(locator: ServiceLocator): ClusterObject[];
  clusters(): { cluster: string; region?: string }[];
}

export interface NewDeployment extends DeployRequest {
  reason: string;
  commit?: CommitInfo;
  strategy?: Strategy;
  supersede?: boolean;
}

export type DeploymentAction = 'pause' | 'resume' | 'approve' | 'cancel' | 'rollback';

export interface DeploymentView extends StoredDeployment {
  allowedActions: DeploymentAction[];
  blocked: { cluster: string; reason: string }[];
}

export interface DeployServiceOptions {
  db: Database;
  live: LiveServices;
  resolver: ServiceResolver;
  /** The config's default strategy. */
  strategy?: Strategy;
  now?: () => Date;
  /** Called after a deployment changed (the executor wakes up). */
  onChange?: (id: string) => void;
}

const DAY = 86_400_000;

export class DeployService {
  readonly #o: DeployServiceOptions;

  constructor(options: DeployServiceOptions) {
    this.#o = options;
  }

  get db(): Database {
    return this.#o.db;
  }

  #now(): string {
    return (this.#o.now?.() ?? new Date()).toISOString();
  }

  view(d: StoredDeployment): DeploymentView {
    return { ...d, allowedActions: allowedActions(d.state), blocked: blockedReasons(d.state) };
  }

  /** Plan and store a deployment; `created: false` when the idempotency key named an earlier one. */
  async request(
    ref: string,
    body: NewDeployment,
    actor: string,
    idempotencyKey?: string,
  ): Promise<{ deployment: DeploymentView; created: boolean; superseded?: string }> {
    const service = await this.#o.resolver.resolve(ref);
    const annotations = service.entity?.metadata.annotations;
    const strategy =
      body.strategy ?? strategyFromAnnotations(annotations) ?? this.#o.strategy ?? DEFAULT_STRATEGY;
    const request: DeployRequest = {
      ...(body.version !== undefined ? { version: body.version } : {}),
      ...(body.images ? { images: body.images } : {}),
      ...(body.containers ? { containers: body.containers } : {}),
      ...(body.clusters ? { clusters: body.clusters } : {}),
    };
    if (idempotencyKey !== undefined) {
      // A retry must not be refused because the first attempt is now the running deployment.
      const [known] = (await listDeployments({ db: this.db, services: [service.ref], limit: 1000 })).filter(
        (d) => d.idempotencyKey === idempotencyKey,
      );
      if (known) return { deployment: this.view(known), created: false };
    }
    const imageRepository = annotations?.[ANNOTATION_IMAGE_REPOSITORY];
    const plan = planDeployment({
      service: service.ref,
      serviceName: service.locator.name,
      ...(imageRepository ? { imageRepository } : {}),
      clusters: this.#o.live
        .clusters()
        .map((c) => ({ name: c.cluster, ...(c.region ? { region: c.region } : {}) })),
      objects: this.#o.live.objectsFor(service.locator),
      request,
      strategy,
    });
    const at = this.#now();
    const events: DeploymentEvent[] = [
      {
        type: 'requested',
        service: service.ref,
        request,
        reason: body.reason,
        ...(body.commit ? { commit: body.commit } : {}),
        actor,
        at,
      },
      { type: 'planned', plan, actor: 'portolan', at },
    ];
    const result = await createDeployment({
      db: this.db,
      id: randomUUID(),
      service: service.ref,
      events,
      ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      supersede: body.supersede === true,
    });
    if (result.created) this.#o.onChange?.(result.deployment.id);
    return { ...result, deployment: this.view(result.deployment) };
  }

  async get(id: string): Promise<DeploymentView> {
    return this.view(await getDeployment({ db: this.db, id }));
  }

  events(id: string, afterSeq = 0): Promise<StoredEvent[]> {
    return listEvents({ db: this.db, id, afterSeq });
  }

  async list(ref: string, limit = 50): Promise<DeploymentView[]> {
    const service = await this.#o.resolver.resolve(ref);
    return (await listDeployments({ db: this.db, services: [service.ref], limit })).map((d) => this.view(d));
  }

  /** A caller's action, recorded with who and why; refused (409) when the state does not allow it. */
  async act(id: string, action: DeploymentAction, actor: string, reason?: string): Promise<DeploymentView> {
    const d = await getDeployment({ db: this.db, id });
    if (!allowedActions(d.state).includes(action))
      throw new ConflictError(`cannot ${action} deployment ${id}: it is ${d.state.status}`, {
        name: id,
        status: d.state.status,
      });
    const why = reason ? { reason } : {};
    let body: DeploymentEventBody;
    switch (action) {
      case 'pause':
        body = { type: 'paused', ...why };
        break;
      case 'resume':
        body = { type: 'resumed', ...why };
        break;
      case 'cancel':
        body = { type: 'cancelled', ...why };
        break;
      case 'rollback':
        body = { type: 'rollback-requested', ...why };
        break;
      case 'approve': {
        const wave = d.state.plan?.waves.find(
          (w) => w.index > d.state.wave && w.requiresApproval && !d.state.approvedWaves.includes(w.index),
        );
        if (!wave) throw new ConflictError(`no wave of deployment ${id} waits for an approval`, { name: id });
        body = { type: 'approved', wave: wave.index, ...why };
        break;
      }
    }
    // Against the state just read: a concurrent change makes this a 409, never a double action.
    const after = await appendEvents({
      db: this.db,
      id,
      expectSeq: d.lastSeq,
      events: [{ ...body, actor, at: this.#now() } as DeploymentEvent],
    });
    this.#o.onChange?.(id);
    return this.view(after);
  }

  /** Delivery metrics of one service, one team's services, or every service, over [since, until). */
  async metrics(q: {
    team?: string;
    service?: string;
    since: Date;
    until: Date;
  }): Promise<DeliveryMetrics & { services: ({ service: string } & Omit<DeliveryMetrics, 'weeks'>)[] }> {
    let services: string[] | undefined;
    if (q.service) services = [(await this.#o.resolver.resolve(q.service)).ref];
    if (q.team) {
      const owned = (await this.#o.resolver.owned(q.team)).entities.map((e) => entityRef(e));
      services = services ? services.filter((s) => owned.includes(s)) : owned;
    }
    if (q.until <= q.since) throw new InputError('until must be after since');
    const records = await this.#records(q.since, services);
    const range = { since: q.since.getTime(), until: q.until.getTime() };
    const byService = new Map<string, typeof records>();
    for (const r of records) byService.set(r.service, [...(byService.get(r.service) ?? []), r]);
    return {
      ...deliveryMetrics(records, range),
      services: [...byService]
        .map(([service, rs]) => {
          const { weeks: _weeks, ...rest } = deliveryMetrics(rs, range);
          return { service, ...rest };
        })
        .sort((a, b) => b.deployments - a.deployments || a.service.localeCompare(b.service)),
    };
  }

  /**
   * The fleet's teams side by side over [since, until): each team's figures over the services it
   * owns directly (the catalog's ownedBy relation), with its completed deployments per week.
   * Deployments of services no catalog entity owns are left out.
   */
  async teamMetrics(q: { since: Date; until: Date }): Promise<TeamDelivery[]> {
    if (q.until <= q.since) throw new InputError('until must be after since');
    const owner = new Map<string, string>();
    for (const e of await this.#o.resolver.claimingEntities()) {
      const by = e.relations?.find((r) => r.type === 'ownedBy')?.targetRef;
      if (by) owner.set(entityRef(e), by);
    }
    const byTeam = new Map<string, DeliveryRecord[]>();
    for (const r of await this.#records(q.since)) {
      const team = owner.get(r.service);
      if (team) byTeam.set(team, [...(byTeam.get(team) ?? []), r]);
    }
    const range = { since: q.since.getTime(), until: q.until.getTime() };
    return [...byTeam]
      .map(([team, rs]) => {
        const { weeks, ...rest } = deliveryMetrics(rs, range);
        return {
          team,
          services: new Set(rs.map((r) => r.service)).size,
          ...rest,
          weeks: weeks.map((w) => ({ week: w.week, deployments: w.deployments })),
        };
      })
      .sort((a, b) => b.deploymentsPerWeek - a.deploymentsPerWeek || a.team.localeCompare(b.team));
  }

  /**
   * Deployments requested up to 90 days before `since` are read too: one that completed inside
   * the period, or a later completion that ends a recovery, belongs to it.
   */
  async #records(since: Date, services?: string[]): Promise<DeliveryRecord[]> {
    const rows = await listDeployments({
      db: this.db,
      ...(services ? { services } : {}),
      since: new Date(since.getTime() - 90 * DAY).toISOString(),
      limit: 1_000_000,
    });
    return rows.map((r) => deliveryRecord(r.id, r.state));
  }
}

/** One team's delivery figures, for comparing teams. */
export interface TeamDelivery extends Omit<DeliveryMetrics, 'weeks'> {
  team: string;
  /** Services of the team with deployments read. */
  services: number;
  weeks: { week: string; deployments: number }[];
}
