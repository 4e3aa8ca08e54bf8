// Evaluates every health rule over a generated fleet: 20 clusters x 10,000 pods, with their
// ReplicaSets, Deployments and HPAs, a few percent of them broken in realistic ways.
// Prints JSON lines; the figure to reach is evaluate_ms < 1000 (issue 6).

import { availableParallelism, loadavg } from 'node:os';
import { type ClusterObject, evaluateHealth, summarizeFindings } from '../packages/core/src/health/index.ts';
import type { Deployment, HorizontalPodAutoscaler, Pod, ReplicaSet } from '../packages/core/src/k8s/types.ts';

const CLUSTERS = Number(process.env.CLUSTERS ?? 20);
const PODS_PER_CLUSTER = Number(process.env.PODS_PER_CLUSTER ?? 10_000);
const PODS_PER_DEPLOYMENT = 10;
const RUNS = Number(process.env.RUNS ?? 5);
const now = Date.parse('2026-11-26T12:00:00Z');
const iso = (msAgo: number) => new Date(now - msAgo).toISOString();

// A small deterministic PRNG so that every run measures the same fleet.
let seed = 42;
function rand(): number {
  seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
  return seed / 0x7fffffff;
}

function generate(): ClusterObject[] {
  const objects: ClusterObject[] = [];
  const deployments = PODS_PER_CLUSTER / PODS_PER_DEPLOYMENT;
  for (let c = 0; c < CLUSTERS; c++) {
    const cluster = `cluster-${String(c).padStart(2, '0')}`;
    for (let d = 0; d < deployments; d++) {
      const name = `svc-${d}`;
      const namespace = `team-${d % 50}`;
      const hash = `${(d * 7919).toString(36)}f${c}`;
      const rsName = `${name}-${hash}`;
      const image = `registry.example.com/${name}:1.${d % 7}.${c === 3 && d % 100 === 0 ? 9 : 0}`;
      const labels = { app: name, 'pod-template-hash': hash };
      const broken = rand();
      const deployment: Deployment = {
        metadata: { name, namespace, generation: 3, uid: `${cluster}-${name}` },
        spec: {
          replicas: PODS_PER_DEPLOYMENT,
          selector: { matchLabels: { app: name } },
          template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } },
        },
        status: {
          observedGeneration: 3,
          replicas: PODS_PER_DEPLOYMENT,
          updatedReplicas: PODS_PER_DEPLOYMENT,
          readyReplicas: broken < 0.03 ? 7 : PODS_PER_DEPLOYMENT,
          availableReplicas: broken < 0.03 ? 7 : PODS_PER_DEPLOYMENT,
          conditions: [
            { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
            { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
          ],
        },
      };
      const rs: ReplicaSet = {
        metadata: {
          name: rsName,
          namespace,
          labels,
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, controller: true }],
        },
        spec: { replicas: PODS_PER_DEPLOYMENT },
        status: { replicas: PODS_PER_DEPLOYMENT, readyReplicas: PODS_PER_DEPLOYMENT },
      };
      const current = 4 + Math.floor(rand() * 7);
      const hpa: HorizontalPodAutoscaler = {
        metadata: { name, namespace },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
          minReplicas: 2,
          maxReplicas: 10,
          metrics: [
            {
              type: 'Resource',
              resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
            },
          ],
        },
        status: {
          currentReplicas: current,
          desiredReplicas: current,
          currentMetrics: [
            {
              type: 'Resource',
              resource: {
                name: 'cpu',
                current: { averageUtilization: 40 + Math.floor(rand() * 50), averageValue: '350m' },
              },
            },
          ],
          conditions: [
            { type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale' },
            { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound' },
            { type: 'ScalingLimited', status: 'False', reason: 'DesiredWithinRange' },
          ],
        },
      };
      objects.push({ cluster, kind: 'Deployment', object: deployment });
      objects.push({ cluster, kind: 'ReplicaSet', object: rs });
      objects.push({ cluster, kind: 'HorizontalPodAutoscaler', object: hpa });
      for (let p = 0; p < PODS_PER_DEPLOYMENT; p++) {
        const crash = broken < 0.03 && p < 3;
        const pod: Pod = {
          metadata: {
            name: `${rsName}-${p.toString(36).padStart(5, 'x')}`,
            namespace,
            labels,
            creationTimestamp: iso(86_400_000),
            ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rsName, controller: true }],
          },
          spec: {
            nodeName: `node-${p}`,
            containers: [
              { name: 'app', image, resources: { limits: { memory: '512Mi' }, requests: { cpu: '250m' } } },
            ],
          },
          status: {
            phase: 'Running',
            startTime: iso(86_400_000),
            conditions: [
              { type: 'PodScheduled', status: 'True' },
              { type: 'Ready', status: crash ? 'False' : 'True', lastTransitionTime: iso(600_000) },
            ],
            containerStatuses: [
              crash
                ? {
                    name: 'app',
                    image,
                    ready: false,
                    restartCount: 14,
                    state: {
                      waiting: {
                        reason: 'CrashLoopBackOff',
                        message: 'back-off 5m0s restarting failed container=app',
                      },
                    },
                    lastState: {
                      terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: iso(120_000) },
                    },
                  }
                : {
                    name: 'app',
                    image,
                    ready: true,
                    restartCount: 0,
                    state: { running: { startedAt: iso(86_400_000) } },
                  },
            ],
          },
        };
        objects.push({ cluster, kind: 'Pod', object: pod });
      }
    }
  }
  return objects;
}

const t0 = performance.now();
const objects = generate();
const pods = objects.filter((o) => o.kind === 'Pod').length;
process.stdout.write(
  `${JSON.stringify({ bench: 'health', step: 'generate', clusters: CLUSTERS, pods, objects: objects.length, ms: Math.round(performance.now() - t0) })}\n`,
);

const times: number[] = [];
const cpuTimes: number[] = [];
let findings: ReturnType<typeof evaluateHealth> = [];
for (let i = 0; i < RUNS; i++) {
  const start = performance.now();
  const cpu = process.cpuUsage();
  findings = evaluateHealth(objects, now);
  const used = process.cpuUsage(cpu);
  times.push(performance.now() - start);
  cpuTimes.push((used.user + used.system) / 1000);
}
const first = times[0] ?? 0;
times.sort((a, b) => a - b);
cpuTimes.sort((a, b) => a - b);
const summary = summarizeFindings(findings);
process.stdout.write(
  `${JSON.stringify({
    bench: 'health',
    step: 'evaluate',
    clusters: CLUSTERS,
    pods,
    objects: objects.length,
    runs: RUNS,
    evaluate_ms_median: Math.round(times[times.length >> 1] ?? 0),
    evaluate_ms_min: Math.round(times[0] ?? 0),
    evaluate_ms_first: Math.round(first),
    // CPU time includes V8's parallel GC threads; wall time also includes waiting for a CPU on a
    // busy machine. Read both with the load average.
    evaluate_cpu_ms_median: Math.round(cpuTimes[cpuTimes.length >> 1] ?? 0),
    cpus: availableParallelism(),
    loadavg_1m: Number(loadavg()[0]?.toFixed(2)),
    findings: summary.total,
    critical: summary.critical,
    warning: summary.warning,
    info: summary.info,
    target_ms: 1000,
  })}\n`,
);
