// The controllers of one simulated cluster: deployment -> replica sets -> pods, the kubelet's
// view of pods (pending -> running, image pulls failing, containers crash-looping) and the
// events they emit. Driven by store changes (so API writes such as `kubectl set image` are
// picked up) and by a tick for everything that takes time.
//
// Simplifications, on purpose: StatefulSets, DaemonSets and Jobs are not reconciled (the fleet
// generator writes them settled); deletions of pods take a fixed grace period; maxSurge and
// maxUnavailable are honoured per reconcile, not per pod.

import type { Deployment, Pod, ReplicaSet } from '@portolan/core';
import { kindFor } from '../apiserver/kinds.ts';
import type { Change, ClusterStore, Entry, Obj } from '../apiserver/store.ts';
import { createRandom, type Random, safeSuffix } from '../random.ts';
import {
  crashLoopStatus,
  imageFate,
  imagePullStatus,
  iso,
  newPod,
  newReplicaSet,
  podIPFor,
  runningStatus,
  templateHash,
} from './objects.ts';

const DEPLOYMENT = kindFor('Deployment');
const REPLICASET = kindFor('ReplicaSet');
const POD = kindFor('Pod');
const NODE = kindFor('Node');
const EVENT = kindFor('Event');

export interface SimulatorOptions {
  store: ClusterStore;
  seed: string;
  /** Pending -> Ready, on average (jittered ±50%). */
  podStartMs?: number;
  /** Terminating pods disappear after this long. */
  terminationMs?: number;
  /** Crash-looping containers restart this often. */
  crashLoopMs?: number;
  /** Events kept per cluster; the oldest are deleted, as their TTL would. */
  maxEvents?: number;
}

type D = Deployment & Obj;
type RS = ReplicaSet & Obj;
type P = Pod & Obj;

function intOrPercent(v: number | string | undefined, total: number, roundUp: boolean, dflt: string): number {
  const x = v ?? dflt;
  if (typeof x === 'number') return x;
  const m = /^(\d+)%$/.exec(x);
  if (!m) return Number.parseInt(x, 10) || 0;
  const f = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(f) : Math.floor(f);
}

export class ClusterSimulator {
  readonly store: ClusterStore;
  readonly #rnd: Random;
  readonly #podStartMs: number;
  readonly #terminationMs: number;
  readonly #crashLoopMs: number;
  readonly #maxEvents: number;
  readonly #dirtyDeployments = new Set<string>();
  readonly #dirtyReplicaSets = new Set<string>();
  /** pod key -> when it next changes state */
  readonly #pending = new Map<string, number>();
  readonly #terminating = new Map<string, number>();
  /** pod key -> next crash */
  readonly #crashing = new Map<string, number>();
  /** Deployments rolling out: re-checked every tick for the progress deadline. */
  readonly #progressing = new Set<string>();
  readonly #events: string[] = [];
  #nodes: { name: string; ip: string }[] | undefined;
  #writing = false;
  readonly #unsubscribe: () => void;

  constructor(o: SimulatorOptions) {
    this.store = o.store;
    this.#rnd = createRandom(`sim:${o.seed}`);
    this.#podStartMs = o.podStartMs ?? 1500;
    this.#terminationMs = o.terminationMs ?? 1000;
    this.#crashLoopMs = o.crashLoopMs ?? 20_000;
    this.#maxEvents = o.maxEvents ?? 2000;
    this.#unsubscribe = this.store.onChange((c) => this.#observe(c));
  }

  stop(): void {
    this.#unsubscribe();
  }

  /** Registers objects loaded silently by the generator (crash loops, events to expire). */
  adopt(): void {
    const now = this.store.now();
    for (const e of this.store.entries(POD).values()) this.#watchPod(e, now);
    const events = [...this.store.entries(EVENT).values()].sort((a, b) => a.rv - b.rv);
    for (const e of events) this.#events.push(e.key);
  }

  #watchPod(e: Entry, now: number): void {
    if (e.terminating) return;
    const phase = e.fields?.['status.phase'];
    if (phase === 'Pending' && !this.#pending.has(e.key)) {
      this.#pending.set(e.key, now + this.#podStartMs * (0.5 + this.#rnd.next()));
    }
    if (phase === 'Running' && !e.ready && e.json.includes('"CrashLoopBackOff"')) {
      this.#crashing.set(e.key, now + this.#crashLoopMs * (0.5 + this.#rnd.next()));
    }
  }

  #observe(c: Change): void {
    const e = c.entry;
    const kind = e.kind;
    if (kind === POD) {
      if (c.type === 'DELETED') {
        this.#pending.delete(e.key);
        this.#crashing.delete(e.key);
        this.#terminating.delete(e.key);
      } else if (c.type === 'ADDED') this.#watchPod(e, this.store.now());
      const owner = c.type === 'DELETED' ? c.prev?.owner : e.owner;
      if (
        owner &&
        (c.type !== 'MODIFIED' || c.prev?.ready !== e.ready || c.prev?.terminating !== e.terminating)
      ) {
        this.#dirtyReplicaSets.add(owner);
      }
    } else if (kind === REPLICASET) {
      if (!this.#writing || c.type !== 'MODIFIED') this.#dirtyReplicaSets.add(e.uid);
      const owner = c.type === 'DELETED' ? c.prev?.owner : e.owner;
      if (owner) this.#dirtyDeployments.add(owner);
    } else if (kind === DEPLOYMENT) {
      if (c.type !== 'DELETED' && !this.#writing) this.#dirtyDeployments.add(e.uid);
    } else if (kind === NODE) {
      this.#nodes = undefined;
    }
  }

  #node(): { name: string; ip: string } | undefined {
    if (!this.#nodes) {
      this.#nodes = [...this.store.entries(NODE).values()].map((n) => {
        const o = JSON.parse(n.json) as { status?: { addresses?: { type: string; address: string }[] } };
        return {
          name: n.name,
          ip: o.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '10.0.0.1',
        };
      });
    }
    return this.#nodes.length > 0 ? this.#rnd.pick(this.#nodes) : { name: 'sim-node-0', ip: '10.0.0.1' };
  }

  #write<T>(fn: () => T): T {
    const before = this.#writing;
    this.#writing = true;
    try {
      return fn();
    } finally {
      this.#writing = before;
    }
  }

  /** Advances time-driven state and reconciles whatever changed. */
  tick(): void {
    const now = this.store.now();
    for (const [key, at] of this.#pending) {
      if (at > now) continue;
      this.#pending.delete(key);
      this.#startPod(key, now);
    }
    for (const [key, at] of this.#crashing) {
      if (at > now) continue;
      this.#crashing.set(key, now + this.#crashLoopMs * (0.5 + this.#rnd.next()));
      this.#crashPod(key, now);
    }
    for (const [key, at] of this.#terminating) {
      if (at > now) continue;
      this.#terminating.delete(key);
      const [ns, name] = key.split('/') as [string, string];
      this.store.delete(POD, ns, name);
    }
    // Reconcile until quiet (bounded): replica sets first, since deployments read their status.
    for (
      let round = 0;
      round < 3 && (this.#dirtyReplicaSets.size > 0 || this.#dirtyDeployments.size > 0);
      round++
    ) {
      const rss = [...this.#dirtyReplicaSets];
      this.#dirtyReplicaSets.clear();
      for (const uid of rss) this.#reconcileReplicaSet(uid, now);
      const ds = [...this.#dirtyDeployments];
      this.#dirtyDeployments.clear();
      for (const uid of ds) this.#reconcileDeployment(uid, now);
    }
    for (const uid of this.#progressing) this.#dirtyDeployments.add(uid);
  }

  #startPod(key: string, now: number): void {
    const [ns, name] = key.split('/') as [string, string];
    const pod = this.store.get<P>(POD, ns, name);
    if (!pod || pod.metadata?.deletionTimestamp || pod.status?.phase !== 'Pending') return;
    const image = pod.spec?.containers?.[0]?.image;
    const fate = imageFate(image);
    if (!pod.spec?.nodeName) {
      const node = this.#node();
      if (node) {
        pod.spec = { ...pod.spec, nodeName: node.name };
        pod.status = { ...pod.status, hostIP: node.ip, startTime: iso(now) };
      }
    }
    if (fate === 'pull-fails') {
      const pulling = pod.status?.containerStatuses?.[0]?.state?.waiting?.reason;
      pod.status = imagePullStatus(pod, pulling === 'ErrImagePull');
      this.store.update(POD, pod);
      if (pulling !== 'ImagePullBackOff') {
        this.#pending.set(key, now + 5000);
        this.#event(
          pod,
          'Warning',
          'Failed',
          `Failed to pull image "${image}": rpc error: code = NotFound desc = failed to pull and unpack image "${image}": not found`,
          now,
        );
      }
      return;
    }
    if (fate === 'crashes') {
      pod.status = crashLoopStatus(pod, 1, 1, now, podIPFor(this.#rnd));
      this.store.update(POD, pod);
      this.#crashing.set(key, now + this.#crashLoopMs);
      this.#event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container', now);
      return;
    }
    pod.status = runningStatus(pod, { startedMs: now, podIP: podIPFor(this.#rnd) });
    this.store.update(POD, pod);
  }

  #crashPod(key: string, now: number): void {
    const [ns, name] = key.split('/') as [string, string];
    const pod = this.store.get<P>(POD, ns, name);
    if (!pod || pod.metadata?.deletionTimestamp) return;
    const cs = pod.status?.containerStatuses?.[0];
    const restarts = (cs?.restartCount ?? 0) + 1;
    const exitCode = cs?.lastState?.terminated?.exitCode ?? 1;
    pod.status = crashLoopStatus(pod, restarts, exitCode, now, pod.status?.podIP ?? podIPFor(this.#rnd));
    this.store.update(POD, pod);
    this.#event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container', now);
  }

  #event(about: Obj, type: string, reason: string, message: string, now: number): void {
    const md = about.metadata ?? {};
    const ns = md.namespace ?? 'default';
    const name = `${md.name}.${this.#rnd.hex(16)}`;
    const ts = iso(now);
    this.store.create(EVENT, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: ns },
      involvedObject: {
        kind: about.kind,
        namespace: ns,
        name: md.name,
        uid: md.uid,
        apiVersion: about.apiVersion,
        resourceVersion: md.resourceVersion,
      },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: ts,
      lastTimestamp: ts,
      source: { component: about.kind === 'Pod' ? 'kubelet' : 'deployment-controller' },
      reportingComponent: about.kind === 'Pod' ? 'kubelet' : 'deployment-controller',
    } as Obj);
    this.#events.push(`${ns}/${name}`);
    while (this.#events.length > this.#maxEvents) {
      const old = this.#events.shift()!;
      const [ens, ename] = old.split('/') as [string, string];
      this.store.delete(EVENT, ens, ename);
    }
  }

  /** Public so the fleet's churn can emit events through the same bounded queue. */
  emitEvent(about: Obj, type: string, reason: string, message: string): void {
    this.#event(about, type, reason, message, this.store.now());
  }

  #reconcileReplicaSet(uid: string, now: number): void {
    const entry = this.store.byUid(uid);
    if (!entry || entry.kind !== REPLICASET) return;
    const rs = JSON.parse(entry.json) as RS;
    const want = rs.spec?.replicas ?? 1;
    const pods = this.store.ownedBy(POD, uid).filter((p) => !p.terminating);
    this.#write(() => {
      if (pods.length < want) {
        for (let i = pods.length; i < want; i++) {
          const pod = newPod(
            this.#rnd,
            { kind: 'ReplicaSet', apiVersion: 'apps/v1', name: entry.name, uid },
            entry.ns,
            rs.spec?.template,
            this.#node(),
            now,
          );
          while (this.store.getEntry(POD, entry.ns, pod.metadata!.name!)) {
            pod.metadata!.name = `${entry.name}-${safeSuffix(this.#rnd, 5)}`;
          }
          this.store.create(POD, pod);
        }
      } else if (pods.length > want) {
        // Unready pods go first, then the newest, as the ReplicaSet controller prefers.
        const victims = pods
          .slice()
          .sort((a, b) => Number(a.ready) - Number(b.ready) || b.rv - a.rv)
          .slice(0, pods.length - want);
        for (const v of victims) this.#terminate(v, now);
      }
    });
    const live = this.store.ownedBy(POD, uid).filter((p) => !p.terminating);
    const ready = live.filter((p) => p.ready).length;
    const status = {
      replicas: live.length,
      fullyLabeledReplicas: live.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata?.generation ?? 1,
    };
    if (JSON.stringify(status) !== JSON.stringify(rs.status)) {
      rs.status = status;
      this.#write(() => this.store.update(REPLICASET, rs));
    }
    if (entry.owner) this.#dirtyDeployments.add(entry.owner);
  }

  #terminate(e: Entry, now: number): void {
    const pod = JSON.parse(e.json) as P;
    pod.metadata!.deletionTimestamp = iso(now + 30_000);
    (pod.metadata as Record<string, unknown>).deletionGracePeriodSeconds = 30;
    if (pod.status?.conditions) {
      for (const c of pod.status.conditions)
        if (c.type === 'Ready' || c.type === 'ContainersReady') c.status = 'False';
    }
    this.store.update(POD, pod);
    this.#pending.delete(e.key);
    this.#crashing.delete(e.key);
    this.#terminating.set(e.key, now + this.#terminationMs);
  }

  #reconcileDeployment(uid: string, now: number): void {
    const entry = this.store.byUid(uid);
    if (!entry || entry.kind !== DEPLOYMENT) {
      this.#progressing.delete(uid);
      return;
    }
    const d = JSON.parse(entry.json) as D;
    if (d.spec?.paused) {
      // As the real controller: nothing moves, and Progressing says why.
      const conds = d.status?.conditions ?? [];
      const prog = conds.find((c) => c.type === 'Progressing');
      // Up to date means "runs the current template", which a paused template change is not.
      const hash = templateHash(d.spec?.template);
      const current = this.store
        .ownedBy(REPLICASET, uid)
        .find((e) => e.labels?.['pod-template-hash'] === hash);
      const updated = current ? this.store.ownedBy(POD, current.uid).filter((p) => !p.terminating).length : 0;
      if (
        prog?.reason !== 'DeploymentPaused' ||
        d.status?.observedGeneration !== d.metadata?.generation ||
        d.status?.updatedReplicas !== updated
      ) {
        const paused = {
          type: 'Progressing',
          status: 'Unknown',
          reason: 'DeploymentPaused',
          message: 'Deployment is paused',
          lastUpdateTime: iso(now),
          lastTransitionTime: iso(now),
        };
        d.status = {
          ...d.status,
          observedGeneration: d.metadata?.generation ?? 1,
          updatedReplicas: updated,
          conditions: [...conds.filter((c) => c.type !== 'Progressing'), paused],
        };
        this.#write(() => this.store.update(DEPLOYMENT, d));
      }
      this.#progressing.delete(uid);
      return;
    }
    const desired = d.spec?.replicas ?? 1;
    const hash = templateHash(d.spec?.template);
    const rsEntries = this.store.ownedBy(REPLICASET, uid);
    const rss = rsEntries.map((e) => JSON.parse(e.json) as RS);
    const revisionOf = (rs: RS) =>
      Number(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
    let newRS = rss.find((rs) => rs.metadata?.labels?.['pod-template-hash'] === hash);
    const olds = rss.filter((rs) => rs !== newRS).sort((a, b) => revisionOf(a) - revisionOf(b));
    const changedRS = new Set<RS>();
    let createdRS = false;
    let revisionBumped = false;

    const strategy = d.spec?.strategy?.type ?? 'RollingUpdate';
    let surge = intOrPercent(d.spec?.strategy?.rollingUpdate?.maxSurge, desired, true, '25%');
    let unavailable = intOrPercent(d.spec?.strategy?.rollingUpdate?.maxUnavailable, desired, false, '25%');
    if (surge === 0 && unavailable === 0) unavailable = 1;
    if (strategy === 'Recreate') {
      surge = 0;
      unavailable = desired;
    }
    const readyOf = (rs: RS) =>
      this.store.ownedBy(POD, rs.metadata!.uid!).filter((p) => p.ready && !p.terminating).length;
    const podsOf = (rs: RS) =>
      this.store.ownedBy(POD, rs.metadata!.uid!).filter((p) => !p.terminating).length;

    this.#write(() => {
      if (!newRS) {
        const revision = Math.max(0, ...rss.map(revisionOf)) + 1;
        const oldTotal = olds.reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
        const initial =
          strategy === 'Recreate' ? 0 : Math.max(0, Math.min(desired, desired + surge - oldTotal));
        const created = newReplicaSet(d, hash, revision, initial, now);
        this.store.create(REPLICASET, created);
        newRS = created;
        createdRS = true;
        d.metadata!.annotations = {
          ...(d.metadata?.annotations ?? {}),
          'deployment.kubernetes.io/revision': String(revision),
        };
        this.#event(
          d,
          'Normal',
          'ScalingReplicaSet',
          `Scaled up replica set ${created.metadata?.name} from 0 to ${initial}`,
          now,
        );
      }
      const nrs = newRS;
      // Rolling back to an older template reuses its ReplicaSet, which becomes the newest revision.
      const maxRevision = Math.max(0, ...rss.map(revisionOf));
      if (!createdRS && revisionOf(nrs) < maxRevision) {
        const revision = String(maxRevision + 1);
        nrs.metadata!.annotations = {
          ...(nrs.metadata?.annotations ?? {}),
          'deployment.kubernetes.io/revision': revision,
        };
        d.metadata!.annotations = {
          ...(d.metadata?.annotations ?? {}),
          'deployment.kubernetes.io/revision': revision,
        };
        changedRS.add(nrs);
        revisionBumped = true;
      }
      const total = () =>
        rss.concat(createdRS ? [nrs] : []).reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
      const scale = (rs: RS, to: number) => {
        const from = rs.spec?.replicas ?? 0;
        if (from === to) return;
        rs.spec = { ...rs.spec, replicas: to };
        rs.metadata!.annotations = {
          ...(rs.metadata?.annotations ?? {}),
          'deployment.kubernetes.io/desired-replicas': String(desired),
        };
        changedRS.add(rs);
        this.#event(
          d,
          'Normal',
          'ScalingReplicaSet',
          `Scaled ${to > from ? 'up' : 'down'} replica set ${rs.metadata?.name} from ${from} to ${to}`,
          now,
        );
      };
      if (strategy === 'Recreate') {
        for (const rs of olds) scale(rs, 0);
        if (olds.every((rs) => podsOf(rs) === 0)) scale(nrs, desired);
      } else {
        const cur = nrs.spec?.replicas ?? 0;
        if (cur > desired) scale(nrs, desired);
        else if (cur < desired) {
          const room = desired + surge - total();
          if (room > 0) scale(nrs, cur + Math.min(room, desired - cur));
        }
        // Scale old replica sets down as far as availability allows; unready old pods go freely.
        const minAvailable = desired - unavailable;
        let available = readyOf(nrs) + olds.reduce((n, rs) => n + readyOf(rs), 0);
        for (const rs of olds) {
          const replicas = rs.spec?.replicas ?? 0;
          if (replicas === 0) continue;
          const unhealthy = Math.max(0, replicas - readyOf(rs));
          const canRemove = Math.max(0, available - minAvailable);
          const remove = Math.min(replicas, unhealthy + canRemove);
          if (remove > 0) {
            scale(rs, replicas - remove);
            available -= Math.max(0, remove - unhealthy);
          }
        }
      }
      for (const rs of changedRS) {
        rs.metadata!.generation = (rs.metadata?.generation ?? 1) + 1;
        this.store.update(REPLICASET, rs);
        this.#dirtyReplicaSets.add(rs.metadata!.uid!);
      }
      // revisionHistoryLimit: scaled-down old ReplicaSets beyond it go, oldest first, so that a
      // long-running demo does not pile them up.
      const limit = (d.spec as { revisionHistoryLimit?: number } | undefined)?.revisionHistoryLimit ?? 10;
      const idle = olds.filter((rs) => (rs.spec?.replicas ?? 0) === 0 && podsOf(rs) === 0);
      for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
        this.store.delete(REPLICASET, rs.metadata!.namespace!, rs.metadata!.name!);
      }
    });

    // Status, computed from what the replica sets have now.
    const all = this.store.ownedBy(REPLICASET, uid);
    let replicas = 0;
    let ready = 0;
    let updated = 0;
    let updatedReady = 0;
    for (const rsE of all) {
      const pods = this.store.ownedBy(POD, rsE.uid).filter((p) => !p.terminating);
      const r = pods.filter((p) => p.ready).length;
      replicas += pods.length;
      ready += r;
      if (rsE.name === newRS?.metadata?.name) {
        updated = pods.length;
        updatedReady = r;
      }
    }
    const minAvailable = desired - unavailable;
    const prev = d.status ?? {};
    const prevProgress = prev.conditions?.find((c) => c.type === 'Progressing');
    const prevAvailable = prev.conditions?.find((c) => c.type === 'Available');
    const complete = updated === desired && replicas === desired && updatedReady === desired;
    const progressed =
      createdRS ||
      changedRS.size > 0 ||
      prev.replicas !== replicas ||
      prev.updatedReplicas !== updated ||
      prev.readyReplicas !== ready ||
      (prev.observedGeneration ?? 0) < (d.metadata?.generation ?? 1) ||
      prevProgress?.reason === 'DeploymentPaused';
    const rsName = newRS?.metadata?.name ?? '';
    const deadlineMs = (d.spec?.progressDeadlineSeconds ?? 600) * 1000;
    let progressing: {
      status: string;
      reason: string;
      message: string;
      lastUpdateTime: string;
      lastTransitionTime: string;
    };
    const keepTransition = (s: string) =>
      prevProgress?.status === s ? (prevProgress.lastTransitionTime ?? iso(now)) : iso(now);
    if (complete) {
      progressing =
        prevProgress?.reason === 'NewReplicaSetAvailable' && prevProgress.message?.includes(`"${rsName}"`)
          ? (prevProgress as typeof progressing)
          : {
              status: 'True',
              reason: 'NewReplicaSetAvailable',
              message: `ReplicaSet "${rsName}" has successfully progressed.`,
              lastUpdateTime: iso(now),
              lastTransitionTime: keepTransition('True'),
            };
      this.#progressing.delete(uid);
    } else if (progressed || !prevProgress) {
      progressing = {
        status: 'True',
        reason: createdRS ? 'NewReplicaSetCreated' : 'ReplicaSetUpdated',
        message: createdRS ? `Created new replica set "${rsName}"` : `ReplicaSet "${rsName}" is progressing.`,
        lastUpdateTime: iso(now),
        lastTransitionTime: keepTransition('True'),
      };
      this.#progressing.add(uid);
    } else if (
      prevProgress.reason !== 'ProgressDeadlineExceeded' &&
      now - Date.parse(prevProgress.lastUpdateTime ?? iso(now)) > deadlineMs
    ) {
      progressing = {
        status: 'False',
        reason: 'ProgressDeadlineExceeded',
        message: `ReplicaSet "${rsName}" has timed out progressing.`,
        lastUpdateTime: iso(now),
        lastTransitionTime: iso(now),
      };
      this.#event(
        d,
        'Warning',
        'ProgressDeadlineExceeded',
        `Deployment "${d.metadata?.name}" has timed out progressing.`,
        now,
      );
      this.#progressing.delete(uid);
    } else {
      progressing = prevProgress as typeof progressing;
      if (prevProgress.reason === 'ProgressDeadlineExceeded') this.#progressing.delete(uid);
    }
    const isAvailable = ready >= minAvailable;
    const available =
      prevAvailable && (prevAvailable.status === 'True') === isAvailable
        ? prevAvailable
        : {
            type: 'Available',
            status: isAvailable ? 'True' : 'False',
            lastUpdateTime: iso(now),
            lastTransitionTime: iso(now),
            reason: isAvailable ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
            message: isAvailable
              ? 'Deployment has minimum availability.'
              : 'Deployment does not have minimum availability.',
          };
    const status = {
      observedGeneration: d.metadata?.generation ?? 1,
      replicas,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: ready,
      ...(replicas - ready > 0 ? { unavailableReplicas: replicas - ready } : {}),
      conditions: [available, { type: 'Progressing', ...progressing }],
    };
    for (const k of ['readyReplicas', 'availableReplicas'] as const)
      if (status[k] === 0) delete (status as Record<string, unknown>)[k];
    const annotationsChanged = createdRS || revisionBumped;
    if (annotationsChanged || JSON.stringify(status) !== JSON.stringify(d.status)) {
      d.status = status;
      this.#write(() => this.store.update(DEPLOYMENT, d));
    }
  }
}
