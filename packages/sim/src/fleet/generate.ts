// Fills each simulated cluster with the workloads of the catalog's services: every service runs
// in a realistic subset of clusters (a few everywhere, most in one or two regions, many in one
// cluster), with its Deployment, ReplicaSets, pods, HPA, Service, Ingress and PDB; plus some
// StatefulSets, the DaemonSets every cluster runs, CronJobs with their Jobs, a few crash-looping
// pods, pinned HPAs and workloads nobody put in the catalog. Deterministic from the seed.

import { parseQuantity } from '@portolan/core/scaling/quantity';
import { kindFor } from '../apiserver/kinds.ts';
import type { ClusterStore, Obj } from '../apiserver/store.ts';
import type { CatalogEntity } from '../catalog/generate.ts';
import {
  crashLoopStatus,
  iso,
  newPod,
  newReplicaSet,
  ownerRef,
  podIPFor,
  runningStatus,
  templateHash,
} from '../controllers/objects.ts';
import { createRandom, hashString, type Random, safeSuffix } from '../random.ts';
import type { ClusterSpec } from './topology.ts';

export interface Placement {
  service: string;
  system: string;
  /** cluster name -> replicas */
  replicas: Map<string, number>;
  version: string;
  hpa: boolean;
  ingress: boolean;
  pdb: boolean;
  statefulSet: boolean;
  sidecar: boolean;
}

export interface FleetPlan {
  placements: Placement[];
  cronJobs: { pipeline: string; system: string; cluster: string; schedule: string }[];
  /** Approximate pods per cluster the plan produces (deployments only). */
  podsPerCluster: Map<string, number>;
}

const DAY = 86_400_000;

/** The image repository of a placed service's own container. */
export function imageRepositoryOf(p: { system: string; service: string }): string {
  return `registry.portolan-music.example.com/${p.system}/${p.service}`;
}

function strip(ref: unknown): string {
  return typeof ref === 'string' ? ref.replace(/^[a-z]+:(default\/)?/, '') : 'default';
}

function replicaCount(rnd: Random): number {
  const bucket = rnd.weighted([10, 30, 30, 20, 9, 1]);
  return [1, 2, 3, rnd.int(4, 6), rnd.int(8, 20), rnd.int(30, 60)][bucket]!;
}

export function planFleet(options: {
  seed: string;
  clusters: ClusterSpec[];
  services: CatalogEntity[];
  pipelines: CatalogEntity[];
  podsPerCluster?: number;
}): FleetPlan {
  const rnd = createRandom(`plan:${options.seed}`);
  const byRegion = new Map<string, ClusterSpec[]>();
  for (const c of options.clusters) byRegion.set(c.region, [...(byRegion.get(c.region) ?? []), c]);
  const regions = [...byRegion.keys()];
  const placements: Placement[] = [];
  for (const svc of options.services) {
    const tier = rnd.weighted([20, 50, 30]);
    const chosen: ClusterSpec[] = [];
    if (tier === 0) {
      for (const r of regions)
        chosen.push(...rnd.sample(byRegion.get(r)!, rnd.int(1, Math.min(3, byRegion.get(r)!.length))));
    } else if (tier === 1) {
      for (const r of rnd.sample(regions, rnd.int(1, Math.min(2, regions.length)))) {
        chosen.push(...rnd.sample(byRegion.get(r)!, rnd.int(1, Math.min(2, byRegion.get(r)!.length))));
      }
    } else chosen.push(rnd.pick(options.clusters));
    const base = replicaCount(rnd);
    const replicas = new Map<string, number>();
    for (const c of chosen) replicas.set(c.name, Math.max(1, base + rnd.int(-1, 1)));
    placements.push({
      service: svc.metadata.name,
      system: strip(svc.spec.system),
      replicas,
      version: `${rnd.int(1, 4)}.${rnd.int(0, 40)}.${rnd.int(0, 20)}`,
      hpa: rnd.chance(0.6),
      ingress: rnd.chance(0.25),
      pdb: rnd.chance(0.4),
      statefulSet: rnd.chance(0.04),
      sidecar: rnd.chance(0.2),
    });
  }
  const podsPerCluster = new Map<string, number>(options.clusters.map((c) => [c.name, 0]));
  for (const p of placements)
    for (const [c, n] of p.replicas) podsPerCluster.set(c, podsPerCluster.get(c)! + n);
  if (options.podsPerCluster) {
    // Scale replicas so the average cluster holds the requested number of pods (the benchmark's
    // 10,000); DaemonSet and StatefulSet pods come on top and are accounted for roughly.
    const avg = [...podsPerCluster.values()].reduce((a, b) => a + b, 0) / options.clusters.length;
    const factor = (options.podsPerCluster * 0.955) / Math.max(1, avg);
    for (const p of placements) {
      for (const [c, n] of p.replicas) p.replicas.set(c, Math.max(1, Math.round(n * factor)));
    }
    for (const c of podsPerCluster.keys()) podsPerCluster.set(c, 0);
    for (const p of placements)
      for (const [c, n] of p.replicas) podsPerCluster.set(c, podsPerCluster.get(c)! + n);
  }
  const cronJobs: FleetPlan['cronJobs'] = [];
  for (const pl of options.pipelines) {
    if (!rnd.chance(0.03)) continue;
    cronJobs.push({
      pipeline: pl.metadata.name,
      system: strip(pl.spec.system),
      cluster: rnd.pick(options.clusters).name,
      schedule: rnd.pick(['0 * * * *', '0 3 * * *', '*/15 * * * *', '30 2 * * 1']),
    });
  }
  return { placements, cronJobs, podsPerCluster };
}

const DEPLOYMENT = kindFor('Deployment');
const REPLICASET = kindFor('ReplicaSet');
const POD = kindFor('Pod');
const SERVICE = kindFor('Service');
const INGRESS = kindFor('Ingress');
const HPA = kindFor('HorizontalPodAutoscaler');
const PDB = kindFor('PodDisruptionBudget');
const STS = kindFor('StatefulSet');
const DS = kindFor('DaemonSet');
const CRONJOB = kindFor('CronJob');
const JOB = kindFor('Job');
const EVENT = kindFor('Event');
const NAMESPACE = kindFor('Namespace');
const NODE = kindFor('Node');

/** Workloads found running that nobody registered in the catalog ("discovered services"). */
const UNCATALOGED = [
  'legacy-reporting',
  'tmp-load-test',
  'ops-debug-shell',
  'old-search-proxy',
  'cert-refresher',
];

export interface LoadResult {
  pods: number;
  objects: number;
}

function serviceLabels(service: string, system: string, component: string) {
  return {
    'app.kubernetes.io/name': service,
    'app.kubernetes.io/part-of': system,
    'app.kubernetes.io/component': component,
    'backstage.io/kubernetes-id': service,
  };
}

function containerName(service: string): string {
  return service.length > 50 ? service.slice(0, 50).replace(/-+$/, '') : service;
}

/** Loads one cluster's share of the plan into its store, silently (no watch events). */
export function loadCluster(
  store: ClusterStore,
  cluster: ClusterSpec,
  plan: FleetPlan,
  seed: string,
  now: number,
): LoadResult {
  const rnd = createRandom(`load:${seed}:${cluster.name}`);
  let objects = 0;
  let pods = 0;
  // uids from the seed too, so that the same seed gives the same fleet down to owner references.
  const uid = () => {
    const h = rnd.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };
  const add = (kind: typeof POD, obj: Obj) => {
    obj.metadata ??= {};
    obj.metadata.uid ??= uid();
    // generateName collisions happen in big ReplicaSets; pick another suffix as the API server would.
    const gen = (obj.metadata as { generateName?: string }).generateName;
    while (gen && store.getEntry(kind, obj.metadata.namespace ?? '', obj.metadata.name ?? '')) {
      obj.metadata.name = `${gen}${safeSuffix(rnd, 5)}`;
    }
    store.create(kind, obj, { silent: true });
    objects++;
    if (kind === POD) pods++;
  };
  const past = (maxDays: number) => now - rnd.int(1, maxDays * 24) * 3_600_000 - rnd.int(0, 3_599_000);
  const mine = plan.placements.filter((p) => p.replicas.has(cluster.name));
  const expectedPods = plan.podsPerCluster.get(cluster.name) ?? 0;

  // Nodes first: pods are spread over them.
  const nNodes = Math.max(3, Math.ceil(expectedPods / 40));
  const nodes: { name: string; ip: string }[] = [];
  for (let i = 0; i < nNodes; i++) {
    const name = `${cluster.name}-node-${String(i).padStart(4, '0')}`;
    const ip = `10.${(i >> 8) & 255}.${i & 255}.10`;
    nodes.push({ name, ip });
    add(NODE, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        labels: {
          'kubernetes.io/hostname': name,
          'topology.kubernetes.io/region': cluster.region,
          'topology.kubernetes.io/zone': `${cluster.region}${'abc'[i % 3]}`,
          'node.kubernetes.io/instance-type': 'm6i.4xlarge',
        },
        creationTimestamp: iso(past(60)),
      },
      spec: { podCIDR: `10.${64 + (i >> 8)}.${i & 255}.0/24` },
      status: {
        capacity: { cpu: '16', memory: '64Gi', pods: '110' },
        allocatable: { cpu: '15800m', memory: '62Gi', pods: '110' },
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'kubelet is posting ready status',
          },
        ],
        addresses: [
          { type: 'InternalIP', address: ip },
          { type: 'Hostname', address: name },
        ],
        nodeInfo: {
          kubeletVersion: 'v1.32.0',
          containerRuntimeVersion: 'containerd://1.7.20',
          osImage: 'Debian GNU/Linux 12',
        },
      },
    } as Obj);
  }
  const nodeFor = () => nodes[rnd.int(0, nodes.length - 1)]!;

  const namespaces = new Set(['default', 'kube-system', 'monitoring', 'ops', ...mine.map((p) => p.system)]);
  for (const cj of plan.cronJobs) if (cj.cluster === cluster.name) namespaces.add(cj.system);
  for (const ns of [...namespaces].sort()) {
    add(NAMESPACE, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: ns,
        labels: { 'kubernetes.io/metadata.name': ns },
        creationTimestamp: iso(past(120)),
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    } as Obj);
  }

  const event = (about: Obj, type: string, reason: string, message: string, at: number, count = 1) => {
    const md = about.metadata!;
    add(EVENT, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${md.name}.${rnd.hex(16)}`, namespace: md.namespace, creationTimestamp: iso(at) },
      involvedObject: {
        kind: about.kind,
        namespace: md.namespace,
        name: md.name,
        uid: md.uid,
        apiVersion: about.apiVersion,
      },
      reason,
      message,
      type,
      count,
      firstTimestamp: iso(at - (count - 1) * 60_000),
      lastTimestamp: iso(at),
      source: { component: about.kind === 'Pod' ? 'kubelet' : 'deployment-controller' },
      reportingComponent: about.kind === 'Pod' ? 'kubelet' : 'deployment-controller',
    } as Obj);
  };

  const runningPod = (
    owner: { kind: string; apiVersion: string; name: string; uid: string },
    ns: string,
    template: Obj['spec'],
    created: number,
    name?: string,
  ) => {
    const pod = newPod(rnd, owner, ns, template as never, nodeFor(), created, name);
    pod.metadata!.uid = uid();
    pod.status = runningStatus(pod, { startedMs: created + rnd.int(2000, 20_000), podIP: podIPFor(rnd) });
    return pod;
  };

  const deployment = (
    p: Placement | { service: string; system: string; version: string; sidecar: boolean },
    ns: string,
    replicas: number,
    labels: Record<string, string>,
    image: string,
  ) => {
    const created = past(90);
    const selector = {
      'app.kubernetes.io/name': labels['app.kubernetes.io/name']!,
      'app.kubernetes.io/component': 'server',
    };
    const containers: Record<string, unknown>[] = [
      {
        name: containerName(p.service),
        image,
        ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
        resources: appResources(rnd),
        readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 10, failureThreshold: 3 },
        livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10, failureThreshold: 3 },
      },
    ];
    if (p.sidecar) {
      containers.push({
        name: 'envoy',
        image: 'envoyproxy/envoy:v1.31.2',
        ports: [{ name: 'admin', containerPort: 9901, protocol: 'TCP' }],
        resources: { requests: { cpu: '50m', memory: '64Mi' } },
      });
    }
    const d = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: p.service,
        namespace: ns,
        labels,
        annotations: {} as Record<string, string>,
        generation: 1,
        creationTimestamp: iso(created),
      },
      spec: {
        replicas,
        selector: { matchLabels: selector },
        template: {
          metadata: {
            labels: { ...labels, 'app.kubernetes.io/version': p.version },
            ...(p.sidecar
              ? { annotations: { 'kubectl.kubernetes.io/default-container': containerName(p.service) } }
              : {}),
          },
          spec: { containers, terminationGracePeriodSeconds: 30 },
        },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
      },
      status: {} as Record<string, unknown>,
    };
    const revision = rnd.int(1, 30);
    d.metadata.annotations['deployment.kubernetes.io/revision'] = String(revision);
    add(DEPLOYMENT, d as Obj);
    const hash = templateHash(d.spec.template as never);
    if (revision > 1) {
      const oldTemplate = structuredClone(d.spec.template);
      oldTemplate.metadata.labels['app.kubernetes.io/version'] = `${p.version}-prev`;
      (oldTemplate.spec.containers[0] as { image: string }).image = `${image}-prev`;
      const old = newReplicaSet(
        { ...d, spec: { ...d.spec, template: oldTemplate } } as never,
        templateHash(oldTemplate as never),
        revision - 1,
        0,
        created,
      );
      add(REPLICASET, old as Obj);
    }
    const rsCreated = created + rnd.int(0, 30) * DAY;
    const rs = newReplicaSet(d as never, hash, revision, replicas, Math.min(rsCreated, now - 3_600_000));
    add(REPLICASET, rs as Obj);
    const owner = {
      kind: 'ReplicaSet',
      apiVersion: 'apps/v1',
      name: rs.metadata!.name!,
      uid: rs.metadata!.uid!,
    };
    let ready = 0;
    for (let i = 0; i < replicas; i++) {
      const pod = runningPod(
        owner,
        ns,
        rs.spec!.template as never,
        Date.parse(rs.metadata!.creationTimestamp!) + rnd.int(0, 3_600_000),
      );
      // A few pods crash-loop: restarts climbing, last exit recorded (OOMKilled or an error).
      if (rnd.chance(0.004)) {
        const exitCode = rnd.chance(0.5) ? 137 : 1;
        const restarts = rnd.int(3, 60);
        pod.status = crashLoopStatus(pod, restarts, exitCode, now - rnd.int(5, 120) * 1000, podIPFor(rnd));
        add(POD, pod as Obj);
        event(
          pod as Obj,
          'Warning',
          'BackOff',
          'Back-off restarting failed container',
          now - 10_000,
          restarts,
        );
      } else {
        add(POD, pod as Obj);
        ready++;
      }
    }
    const cond = (type: string, reason: string, message: string) => ({
      type,
      status: 'True',
      lastUpdateTime: iso(now - 3_600_000),
      lastTransitionTime: iso(created),
      reason,
      message,
    });
    rs.status = {
      replicas,
      ...{ fullyLabeledReplicas: replicas },
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: 1,
    };
    store.update(REPLICASET, rs as Obj, { silent: true });
    d.status = {
      observedGeneration: 1,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: ready,
      availableReplicas: ready,
      ...(replicas > ready ? { unavailableReplicas: replicas - ready } : {}),
      conditions: [
        cond('Available', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'),
        cond(
          'Progressing',
          'NewReplicaSetAvailable',
          `ReplicaSet "${rs.metadata!.name}" has successfully progressed.`,
        ),
      ],
    };
    store.update(DEPLOYMENT, d as Obj, { silent: true });
    return d;
  };

  for (const p of mine) {
    const ns = p.system;
    const replicas = p.replicas.get(cluster.name)!;
    const labels = serviceLabels(p.service, p.system, 'server');
    // Most clusters run the current version; some lag one behind.
    const version = rnd.chance(0.15)
      ? p.version.replace(/\.(\d+)$/, (_, n) => `.${Math.max(0, Number(n) - 1)}`)
      : p.version;
    const image = `${imageRepositoryOf(p)}:${version}`;
    const d = deployment({ ...p, version }, ns, replicas, labels, image);

    add(SERVICE, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: p.service, namespace: ns, labels, creationTimestamp: d.metadata.creationTimestamp },
      spec: {
        type: 'ClusterIP',
        clusterIP: `10.96.${rnd.int(0, 255)}.${rnd.int(1, 254)}`,
        selector: d.spec.selector.matchLabels,
        ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
      },
      status: { loadBalancer: {} },
    } as Obj);
    if (p.ingress) {
      add(INGRESS, {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: p.service, namespace: ns, labels, creationTimestamp: d.metadata.creationTimestamp },
        spec: {
          ingressClassName: 'nginx',
          rules: [
            {
              host: `${p.service}.${cluster.region}.portolan-music.example.com`,
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Prefix',
                    backend: { service: { name: p.service, port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
          tls: [
            {
              hosts: [`${p.service}.${cluster.region}.portolan-music.example.com`],
              secretName: `${p.service}-tls`,
            },
          ],
        },
        status: {
          loadBalancer: {
            ingress: [
              { hostname: `lb-${hashString(cluster.name).toString(16)}.${cluster.region}.elb.example.com` },
            ],
          },
        },
      } as Obj);
    }
    if (p.hpa) {
      const pinned = rnd.chance(0.02);
      const min = Math.max(1, Math.floor(replicas / 2));
      const max = pinned ? replicas : replicas + rnd.int(1, Math.max(2, replicas * 2));
      const target = rnd.pick([60, 70, 75, 80]);
      const current = pinned ? target + rnd.int(20, 80) : rnd.int(Math.floor(target * 0.4), target + 5);
      add(HPA, {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: p.service, namespace: ns, labels, creationTimestamp: d.metadata.creationTimestamp },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: p.service },
          minReplicas: min,
          maxReplicas: max,
          metrics: [
            {
              type: 'Resource',
              resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: target } },
            },
          ],
        },
        status: {
          currentReplicas: replicas,
          desiredReplicas: replicas,
          lastScaleTime: iso(now - rnd.int(1, 3600) * 1000),
          currentMetrics: [
            {
              type: 'Resource',
              resource: {
                name: 'cpu',
                current: { averageUtilization: current, averageValue: `${current * 5}m` },
              },
            },
          ],
          conditions: [
            {
              type: 'AbleToScale',
              status: 'True',
              reason: 'ReadyForNewScale',
              message: 'recommended size matches current size',
              lastTransitionTime: iso(now - DAY),
            },
            {
              type: 'ScalingActive',
              status: 'True',
              reason: 'ValidMetricFound',
              message:
                'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
              lastTransitionTime: iso(now - DAY),
            },
            pinned
              ? {
                  type: 'ScalingLimited',
                  status: 'True',
                  reason: 'TooManyReplicas',
                  message: 'the desired replica count is more than the maximum replica count',
                  lastTransitionTime: iso(now - 3_600_000),
                }
              : {
                  type: 'ScalingLimited',
                  status: 'False',
                  reason: 'DesiredWithinRange',
                  message: 'the desired count is within the acceptable range',
                  lastTransitionTime: iso(now - DAY),
                },
          ],
        },
      } as Obj);
    }
    if (p.pdb) {
      add(PDB, {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: {
          name: p.service,
          namespace: ns,
          labels,
          generation: 1,
          creationTimestamp: d.metadata.creationTimestamp,
        },
        spec: { maxUnavailable: 1, selector: { matchLabels: d.spec.selector.matchLabels } },
        status: {
          observedGeneration: 1,
          currentHealthy: d.status.readyReplicas ?? 0,
          desiredHealthy: Math.max(0, replicas - 1),
          disruptionsAllowed: Math.max(0, Math.min(1, Number(d.status.readyReplicas ?? 0) - (replicas - 1))),
          expectedPods: replicas,
          conditions: [
            {
              type: 'DisruptionAllowed',
              status: 'True',
              reason: 'SufficientPods',
              message: '',
              lastTransitionTime: iso(now - DAY),
            },
          ],
        },
      } as Obj);
    }
    if (p.statefulSet) {
      const name = `${p.service.slice(0, 50)}-redis`;
      const stsLabels = serviceLabels(p.service, p.system, 'cache');
      const template = {
        metadata: { labels: stsLabels },
        spec: {
          containers: [
            {
              name: 'redis',
              image: 'redis:7.4.1',
              ports: [{ name: 'redis', containerPort: 6379, protocol: 'TCP' }],
              resources: { requests: { cpu: '250m', memory: '1Gi' } },
            },
          ],
        },
      };
      const sts = {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: {
          name,
          namespace: ns,
          labels: stsLabels,
          generation: 1,
          creationTimestamp: d.metadata.creationTimestamp,
        },
        spec: {
          replicas: 3,
          serviceName: name,
          selector: {
            matchLabels: { 'app.kubernetes.io/name': p.service, 'app.kubernetes.io/component': 'cache' },
          },
          template,
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
        },
        status: {
          observedGeneration: 1,
          replicas: 3,
          readyReplicas: 3,
          currentReplicas: 3,
          updatedReplicas: 3,
          availableReplicas: 3,
          currentRevision: `${name}-${templateHash(template as never)}`,
          updateRevision: `${name}-${templateHash(template as never)}`,
        },
      };
      add(STS, sts as Obj);
      for (let i = 0; i < 3; i++) {
        const pod = runningPod(
          { kind: 'StatefulSet', apiVersion: 'apps/v1', name, uid: (sts.metadata as { uid?: string }).uid! },
          ns,
          template as never,
          Date.parse(sts.metadata.creationTimestamp),
          `${name}-${i}`,
        );
        add(POD, pod as Obj);
      }
    }
  }

  // Workloads running without a catalog entry.
  for (const name of rnd.sample(UNCATALOGED, rnd.int(2, 4))) {
    const labels = {
      'app.kubernetes.io/name': name,
      'app.kubernetes.io/part-of': 'ops',
      'app.kubernetes.io/component': 'server',
    };
    deployment(
      { service: name, system: 'ops', version: '0.1.0', sidecar: false },
      'ops',
      rnd.int(1, 2),
      labels,
      `registry.portolan-music.example.com/ops/${name}:0.1.0`,
    );
  }

  // The DaemonSets every cluster runs, one pod per node.
  for (const [name, ns, image] of [
    ['node-exporter', 'monitoring', 'quay.io/prometheus/node-exporter:v1.8.2'],
    ['fluent-bit', 'kube-system', 'cr.fluentbit.io/fluent/fluent-bit:3.1.9'],
  ] as const) {
    const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'platform' };
    const template = {
      metadata: { labels },
      spec: { containers: [{ name, image, resources: { requests: { cpu: '50m', memory: '64Mi' } } }] },
    };
    const ds = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name, namespace: ns, labels, generation: 1, creationTimestamp: iso(past(120)) },
      spec: {
        selector: { matchLabels: labels },
        template,
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      },
      status: {
        observedGeneration: 1,
        currentNumberScheduled: nodes.length,
        desiredNumberScheduled: nodes.length,
        numberMisscheduled: 0,
        numberReady: nodes.length,
        numberAvailable: nodes.length,
        updatedNumberScheduled: nodes.length,
      },
    };
    add(DS, ds as Obj);
    const uid = (ds.metadata as { uid?: string }).uid!;
    for (const node of nodes) {
      const pod = newPod(
        rnd,
        { kind: 'DaemonSet', apiVersion: 'apps/v1', name, uid },
        ns,
        template as never,
        node,
        Date.parse(ds.metadata.creationTimestamp),
      );
      pod.status = runningStatus(pod, {
        startedMs: Date.parse(ds.metadata.creationTimestamp) + 5000,
        podIP: node.ip,
      });
      add(POD, pod as Obj);
    }
  }

  // CronJobs of data pipelines, with their last runs.
  for (const cj of plan.cronJobs.filter((c) => c.cluster === cluster.name)) {
    const labels = serviceLabels(cj.pipeline, cj.system, 'pipeline');
    const name = cj.pipeline.slice(0, 40).replace(/-+$/, '');
    const podTemplate = {
      metadata: { labels },
      spec: {
        restartPolicy: 'Never',
        containers: [
          {
            name: 'job',
            image: `registry.portolan-music.example.com/${cj.system}/${cj.pipeline}:1.0.${rnd.int(0, 30)}`,
            resources: { requests: { cpu: '1', memory: '2Gi' } },
          },
        ],
      },
    };
    const cron = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name, namespace: cj.system, labels, generation: 1, creationTimestamp: iso(past(60)) },
      spec: {
        schedule: cj.schedule,
        concurrencyPolicy: 'Forbid',
        suspend: false,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 1,
        jobTemplate: { metadata: { labels }, spec: { backoffLimit: 2, template: podTemplate } },
      },
      status: { lastScheduleTime: iso(now - 1_800_000), lastSuccessfulTime: iso(now - 1_790_000) },
    };
    add(CRONJOB, cron as Obj);
    for (let r = 0; r < 2; r++) {
      const started = now - (r + 1) * 1_800_000;
      const failed = r === 0 && rnd.chance(0.1);
      const jobName = `${name}-${Math.floor(started / 60_000)}`;
      const job = {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: {
          name: jobName,
          namespace: cj.system,
          labels,
          ownerReferences: [ownerRef('CronJob', 'batch/v1', name, (cron.metadata as { uid?: string }).uid!)],
          creationTimestamp: iso(started),
        },
        spec: { completions: 1, parallelism: 1, backoffLimit: 2, template: podTemplate },
        status: failed
          ? {
              startTime: iso(started),
              failed: 3,
              conditions: [
                {
                  type: 'Failed',
                  status: 'True',
                  reason: 'BackoffLimitExceeded',
                  message: 'Job has reached the specified backoff limit',
                },
              ],
            }
          : {
              startTime: iso(started),
              completionTime: iso(started + 600_000),
              succeeded: 1,
              conditions: [{ type: 'Complete', status: 'True' }],
            },
      };
      add(JOB, job as Obj);
      const pod = newPod(
        rnd,
        { kind: 'Job', apiVersion: 'batch/v1', name: jobName, uid: (job.metadata as { uid?: string }).uid! },
        cj.system,
        podTemplate as never,
        nodeFor(),
        started,
      );
      const exitCode = failed ? 1 : 0;
      pod.status = {
        phase: failed ? 'Failed' : 'Succeeded',
        hostIP: pod.status?.hostIP,
        startTime: iso(started),
        conditions: [{ type: 'Ready', status: 'False', reason: 'PodCompleted' }],
        containerStatuses: [
          {
            name: 'job',
            image: podTemplate.spec.containers[0]!.image,
            ready: false,
            restartCount: 0,
            state: {
              terminated: {
                exitCode,
                reason: failed ? 'Error' : 'Completed',
                startedAt: iso(started + 2000),
                finishedAt: iso(started + 600_000),
              },
            },
          },
        ],
      };
      add(POD, pod as Obj);
    }
  }
  return { pods, objects };
}

const MEMORY_REQUESTS = ['128Mi', '256Mi', '512Mi', '1Gi', '2Gi'];
const MEMORY_LIMITS = ['512Mi', '1Gi', '2Gi', '4Gi'];

/**
 * An app container's requests and memory limit, in canonical quantities as the API server stores
 * them ("1", not "1000m"). The API server rejects a limit below its request, so none is drawn.
 */
function appResources(rnd: Random) {
  const cpu = rnd.pick(['100m', '250m', '500m', '1']);
  const memory = rnd.pick(MEMORY_REQUESTS);
  const drawn = rnd.pick(MEMORY_LIMITS);
  const limit = (parseQuantity(drawn) ?? 0) >= (parseQuantity(memory) ?? 0) ? drawn : memory;
  return { requests: { cpu, memory }, limits: { memory: limit } };
}
