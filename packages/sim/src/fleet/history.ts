// Twelve weeks (by default) of deployments for the simulated fleet, generated from the seed, so
// the delivery charts show real shapes on first start: each service deploys at its own rate (a
// few a month to several a week), about one version in ten is bad and fails in its canary wave
// and is rolled back, a few are cancelled, and most requests carry the commit they ship.
import type { DeploymentEvent, Plan } from '@portolan/core/deploy/index';
import { createRandom } from '../random.ts';
import { type FleetPlan, imageRepositoryOf } from './generate.ts';

export interface HistoryService {
  /** Entity ref, `component:default/<name>`. */
  ref: string;
  name: string;
  /** Cluster names the service runs in, with their regions. */
  clusters: { name: string; region: string }[];
  /** Its image repository and the version it runs now. */
  repository: string;
  version: string;
}

export interface GeneratedDeployment {
  id: string;
  service: string;
  events: DeploymentEvent[];
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PEOPLE = ['ana', 'bo', 'chen', 'dara', 'eli', 'femi', 'gus', 'hana', 'ivo', 'jun'];

/** The services of a fleet plan, as the history needs them. */
export function historyServices(
  plan: FleetPlan,
  clusters: readonly { name: string; region: string }[],
): HistoryService[] {
  const region = new Map(clusters.map((c) => [c.name, c.region]));
  return plan.placements.map((p) => ({
    ref: `component:default/${p.service}`,
    name: p.service,
    clusters: [...p.replicas.keys()].map((name) => ({ name, region: region.get(name) ?? '' })),
    repository: imageRepositoryOf(p),
    version: p.version,
  }));
}

/** Deployments in [now - weeks, now), oldest first, every one ended. */
export function generateDeployHistory(options: {
  seed: number;
  services: readonly HistoryService[];
  now: number;
  weeks?: number;
}): GeneratedDeployment[] {
  const weeks = options.weeks ?? 12;
  const start = options.now - weeks * 7 * DAY;
  const out: GeneratedDeployment[] = [];
  for (const svc of options.services) {
    const rnd = createRandom(options.seed).fork(`history:${svc.ref}`);
    if (svc.clusters.length === 0) continue;
    // Deploys per week: most services a few a month, some several a week.
    const perWeek = [0.3, 1, 2, 4, 8][rnd.weighted([15, 30, 30, 18, 7])] as number;
    let t = start + (rnd.next() * (7 * DAY)) / perWeek;
    let minor = 0;
    while (t < options.now - HOUR) {
      // Working hours on working days.
      const d = new Date(t);
      if (d.getUTCDay() === 0 || d.getUTCDay() === 6 || d.getUTCHours() < 8 || d.getUTCHours() > 17) {
        t += HOUR * rnd.int(1, 6);
        continue;
      }
      minor++;
      const bad = rnd.chance(0.1);
      const version = `${svc.version.replace(/[-+].*$/, '')}-${minor}${bad ? '-bad' : ''}`;
      const outcome = bad ? 'failed' : rnd.chance(0.03) ? 'cancelled' : 'completed';
      out.push(
        deployment(
          svc,
          version,
          outcome,
          t,
          rnd.hex(8),
          rnd.pick(PEOPLE),
          rnd.int(1, 48) * HOUR,
          rnd.int(3, 12) * 60_000,
        ),
      );
      t += (rnd.next() * 2 * 7 * DAY) / perWeek;
    }
  }
  return out.sort((a, b) => (a.events[0]?.at ?? '').localeCompare(b.events[0]?.at ?? ''));
}

function deployment(
  svc: HistoryService,
  version: string,
  outcome: 'completed' | 'failed' | 'cancelled',
  at: number,
  sha: string,
  person: string,
  lead: number,
  perWave: number,
): GeneratedDeployment {
  const clusters = [...svc.clusters].sort(
    (a, b) => a.region.localeCompare(b.region) || a.name.localeCompare(b.name),
  );
  const canary = clusters.slice(0, 1);
  const regions = [...new Set(clusters.slice(1).map((c) => c.region))];
  const waveClusters = [
    canary.map((c) => c.name),
    ...regions.map((r) =>
      clusters
        .slice(1)
        .filter((c) => c.region === r)
        .map((c) => c.name),
    ),
  ];
  const wave = (index: number, names: string[]) => ({
    index,
    name: index === 0 ? 'canary' : `region ${clusters.find((c) => c.name === names[0])?.region}`,
    clusters: names,
    maxConcurrency: 1,
    soakSeconds: 60,
    progressDeadlineSeconds: 600,
    maxFailures: 0,
    requiresApproval: false,
  });
  const plan: Plan = {
    service: svc.ref,
    version,
    clusters: clusters.map((c) => ({
      cluster: c.name,
      region: c.region,
      workloads: [
        {
          kind: 'Deployment',
          namespace: svc.name,
          name: svc.name,
          containers: [
            { name: svc.name, from: `${svc.repository}:previous`, to: `${svc.repository}:${version}` },
          ],
        },
      ],
    })),
    waves: waveClusters.map((names, i) => wave(i, names)),
    skipped: [],
    unreachableLimitSeconds: 300,
  };
  let clock = at;
  const events: DeploymentEvent[] = [];
  const add = (e: Record<string, unknown>, actor = 'portolan', after = 0) => {
    clock += after;
    events.push({ ...e, actor, at: new Date(clock).toISOString() } as DeploymentEvent);
  };
  add(
    {
      type: 'requested',
      service: svc.ref,
      request: { version },
      reason: `release ${version}`,
      commit: { sha, time: new Date(at - lead).toISOString() },
    },
    person,
  );
  add({ type: 'planned', plan });
  const id = `hist-${sha}`;
  for (const w of plan.waves) {
    add({ type: 'wave-started', wave: w.index });
    for (const c of w.clusters) add({ type: 'cluster-changed', cluster: c, previous: [] }, 'portolan', 5_000);
    if (outcome === 'failed') {
      add(
        {
          type: 'cluster-failed',
          cluster: w.clusters[0],
          reason: `new pods fail: ${svc.name}/Deployment/${svc.name}: image ${svc.repository}:${version} cannot be pulled`,
        },
        'portolan',
        perWave / 2,
      );
      add({
        type: 'failed',
        reason: `1 of ${w.clusters.length} clusters of wave 1 failed (at most 0 may): ${w.clusters[0]}`,
      });
      for (const c of w.clusters) add({ type: 'cluster-rolled-back', cluster: c }, 'portolan', 3_000);
      add({ type: 'rolled-back' });
      return { id, service: svc.ref, events };
    }
    if (outcome === 'cancelled' && w.index === 0) {
      add({ type: 'cancelled', reason: 'wrong version' }, person, perWave / 3);
      for (const c of w.clusters) add({ type: 'cluster-rolled-back', cluster: c }, 'portolan', 3_000);
      add({ type: 'rolled-back' });
      return { id, service: svc.ref, events };
    }
    for (const c of w.clusters) add({ type: 'cluster-ready', cluster: c }, 'portolan', perWave / 2);
    for (const c of w.clusters) add({ type: 'gate-passed', cluster: c }, 'portolan', perWave / 2);
  }
  add({ type: 'completed' });
  return { id, service: svc.ref, events };
}
