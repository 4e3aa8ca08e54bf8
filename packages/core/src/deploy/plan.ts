// The deploy planner: from a service's live workloads and a request, which clusters, which
// workloads and containers change to which image, and in which waves. Pure: the same inputs give
// the same plan, so a plan can be recomputed, compared and tested without a cluster.
import { InputError } from '../errors.ts';
import type { ClusterObject, KubeObject } from '../k8s/types.ts';
import { podTemplateOf } from '../k8s/workloads.ts';
import type { Strategy, WaveSpec } from './strategy.ts';

/** The workload kinds a deployment changes (CronJobs and Jobs run to completion: not rolled out). */
export const DEPLOYABLE_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const;
export type DeployableKind = (typeof DEPLOYABLE_KINDS)[number];
export function isDeployableKind(kind: string): kind is DeployableKind {
  return (DEPLOYABLE_KINDS as readonly string[]).includes(kind);
}

export const ANNOTATION_IMAGE_REPOSITORY = 'portolan.io/image-repository';

export interface DeployRequest {
  /** The new tag for the service's own containers. */
  version?: string;
  /** Container name -> full image reference; the containers named are the ones changed. */
  images?: Record<string, string>;
  /** Only these containers (default: those running the service's image repository). */
  containers?: string[];
  /** Only these clusters (default: every cluster the service runs on). */
  clusters?: string[];
}

export interface PlannedContainer {
  name: string;
  from: string;
  to: string;
}
export interface PlannedWorkload {
  kind: DeployableKind;
  namespace: string;
  name: string;
  containers: PlannedContainer[];
}
export interface PlannedCluster {
  cluster: string;
  region?: string;
  workloads: PlannedWorkload[];
}
export interface PlannedWave {
  index: number;
  name: string;
  clusters: string[];
  maxConcurrency: number;
  soakSeconds: number;
  progressDeadlineSeconds: number;
  maxFailures: number;
  requiresApproval: boolean;
}
export interface SkippedWorkload {
  cluster: string;
  kind: string;
  namespace: string;
  name: string;
  reason: string;
}
export interface Plan {
  service: string;
  version?: string;
  clusters: PlannedCluster[];
  waves: PlannedWave[];
  /** Workloads of the service left as they are, and why. */
  skipped: SkippedWorkload[];
  unreachableLimitSeconds: number;
}

export interface PlanInput {
  /** The service's ref, recorded on the plan. */
  service: string;
  /** The service's name: by default, containers whose image repository ends in it are its own. */
  serviceName: string;
  /** The service's image repository (`registry/team/name`), when the catalog says it. */
  imageRepository?: string;
  /** The clusters the portal knows, with their regions. */
  clusters: readonly { name: string; region?: string }[];
  /** The service's objects in every cluster (what `selectServiceObjects` returns, tagged). */
  objects: Iterable<ClusterObject>;
  request: DeployRequest;
  strategy: Strategy;
}

// The OCI distribution tag grammar.
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const MAX_IMAGE = 512;

/** `registry:5000/team/app:1.2@sha256:…` -> `registry:5000/team/app`. */
export function imageRepository(image: string): string {
  const noDigest = image.split('@')[0] ?? image;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

/** The image with its tag set to `version` (and any digest dropped: it would pin the old one). */
export function withVersion(image: string, version: string): string {
  return `${imageRepository(image)}:${version}`;
}

function checkRequest(request: DeployRequest): void {
  const hasVersion = request.version !== undefined;
  const hasImages = request.images !== undefined && Object.keys(request.images).length > 0;
  if (hasVersion === hasImages) throw new InputError('give either version or images, not both or neither');
  if (hasVersion && !TAG.test(request.version ?? ''))
    throw new InputError(`version "${request.version}" is not an image tag`, { name: 'version' });
  for (const [container, image] of Object.entries(request.images ?? {})) {
    if (image.length === 0 || image.length > MAX_IMAGE || /\s/.test(image))
      throw new InputError(`images.${container}: not an image reference`, { name: container });
  }
}

/** Which containers of a template change, from what to what. */
function plannedContainers(template: ReturnType<typeof podTemplateOf>, input: PlanInput): PlannedContainer[] {
  const { request } = input;
  const wanted = request.containers ? new Set(request.containers) : undefined;
  const ownRepo = input.imageRepository;
  const isOwn = (image: string) => {
    const repo = imageRepository(image);
    if (ownRepo) return repo === ownRepo;
    return repo === input.serviceName || repo.endsWith(`/${input.serviceName}`);
  };
  const out: PlannedContainer[] = [];
  for (const c of template?.spec?.containers ?? []) {
    if (!c.name || !c.image) continue;
    if (wanted && !wanted.has(c.name)) continue;
    let to: string | undefined;
    if (request.images) to = request.images[c.name];
    else if (request.version !== undefined && (wanted || isOwn(c.image)))
      to = withVersion(c.image, request.version);
    if (to !== undefined) out.push({ name: c.name, from: c.image, to });
  }
  return out;
}

const REGIONLESS = '';

/**
 * The plan for a request. Throws InputError when the request is malformed, names a cluster the
 * service does not run on, or changes nothing.
 */
export function planDeployment(input: PlanInput): Plan {
  checkRequest(input.request);
  const regionOf = new Map(input.clusters.map((c) => [c.name, c.region]));
  const only = input.request.clusters ? new Set(input.request.clusters) : undefined;

  const byCluster = new Map<string, PlannedWorkload[]>();
  const seen = new Set<string>();
  const skipped: SkippedWorkload[] = [];
  const matched = new Set<string>();
  for (const item of input.objects) {
    if (!isDeployableKind(item.kind)) continue;
    seen.add(item.cluster);
    if (only && !only.has(item.cluster)) continue;
    const obj = item.object as KubeObject;
    const where = {
      cluster: item.cluster,
      kind: item.kind,
      namespace: obj.metadata?.namespace ?? '',
      name: obj.metadata?.name ?? '',
    };
    const containers = plannedContainers(podTemplateOf(item.kind, obj), input);
    for (const c of containers) matched.add(c.name);
    if (containers.length === 0) {
      skipped.push({ ...where, reason: 'no container of it runs the service’s image' });
      continue;
    }
    const changing = containers.filter((c) => c.from !== c.to);
    if (changing.length === 0) {
      skipped.push({ ...where, reason: 'already runs the requested images' });
      continue;
    }
    const list = byCluster.get(item.cluster) ?? [];
    list.push({ kind: item.kind, namespace: where.namespace, name: where.name, containers: changing });
    byCluster.set(item.cluster, list);
  }
  for (const name of only ?? []) {
    if (!seen.has(name))
      throw new InputError(`the service runs no Deployment, StatefulSet or DaemonSet in cluster "${name}"`, {
        cluster: name,
      });
  }
  for (const name of [...(input.request.containers ?? []), ...Object.keys(input.request.images ?? {})]) {
    if (!matched.has(name)) throw new InputError(`no workload of the service has a container "${name}"`);
  }
  if (byCluster.size === 0) {
    const reason = skipped.length
      ? skipped.every((s) => s.reason.startsWith('already'))
        ? 'every workload already runs the requested images'
        : 'no container runs the service’s image: name the containers to change'
      : 'the service runs no Deployment, StatefulSet or DaemonSet in any cluster';
    throw new InputError(`nothing to deploy for ${input.service}: ${reason}`);
  }

  const clusters: PlannedCluster[] = [...byCluster.keys()]
    .map((cluster) => {
      const region = regionOf.get(cluster);
      const workloads = (byCluster.get(cluster) ?? []).sort((a, b) =>
        `${a.namespace}/${a.kind}/${a.name}`.localeCompare(`${b.namespace}/${b.kind}/${b.name}`),
      );
      return { cluster, ...(region ? { region } : {}), workloads };
    })
    .sort(byRegionThenName);

  return {
    service: input.service,
    ...(input.request.version !== undefined ? { version: input.request.version } : {}),
    clusters,
    waves: assignWaves(clusters, input.strategy),
    skipped,
    unreachableLimitSeconds: input.strategy.unreachableLimitSeconds,
  };
}

function byRegionThenName(a: { cluster: string; region?: string }, b: { cluster: string; region?: string }) {
  return (a.region ?? REGIONLESS).localeCompare(b.region ?? REGIONLESS) || a.cluster.localeCompare(b.cluster);
}

/**
 * Each wave takes clusters from those left, in region-then-name order; a wave that finds none is
 * dropped; clusters no wave took form a last wave with the last wave's settings, so a strategy
 * can never leave a cluster behind.
 */
export function assignWaves(clusters: readonly PlannedCluster[], strategy: Strategy): PlannedWave[] {
  let left = [...clusters].sort(byRegionThenName);
  const waves: PlannedWave[] = [];
  const add = (spec: WaveSpec, name: string, taken: PlannedCluster[]) => {
    if (taken.length === 0) return;
    const names = new Set(taken.map((c) => c.cluster));
    left = left.filter((c) => !names.has(c.cluster));
    waves.push({
      index: waves.length,
      name,
      clusters: taken.map((c) => c.cluster),
      maxConcurrency: spec.maxConcurrency,
      soakSeconds: spec.soakSeconds,
      progressDeadlineSeconds: spec.progressDeadlineSeconds,
      maxFailures: spec.maxFailures,
      requiresApproval: spec.requiresApproval,
    });
  };
  for (const spec of strategy.waves) {
    const sel = spec.select;
    const label = (fallback: string) => spec.name ?? fallback;
    if ('count' in sel) add(spec, label(`wave ${waves.length + 1}`), left.slice(0, sel.count));
    else if ('clusters' in sel) {
      const want = new Set(sel.clusters);
      add(
        spec,
        label(`wave ${waves.length + 1}`),
        left.filter((c) => want.has(c.cluster)),
      );
    } else if ('regions' in sel) {
      const want = new Set(sel.regions);
      add(
        spec,
        label(`wave ${waves.length + 1}`),
        left.filter((c) => want.has(c.region ?? REGIONLESS)),
      );
    } else if ('each' in sel) {
      const regions = [...new Set(left.map((c) => c.region ?? REGIONLESS))];
      for (const region of regions) {
        const name = region === REGIONLESS ? 'no region' : `region ${region}`;
        add(
          spec,
          spec.name ? `${spec.name}: ${name}` : name,
          left.filter((c) => (c.region ?? REGIONLESS) === region),
        );
      }
    } else add(spec, label(`wave ${waves.length + 1}`), left);
  }
  const last = strategy.waves[strategy.waves.length - 1];
  if (left.length > 0 && last) add(last, 'remaining clusters', left);
  return waves;
}
