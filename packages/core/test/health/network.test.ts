import { describe, expect, it } from 'vitest';
import type { Ingress, PodDisruptionBudget, Service } from '../../src/k8s/types.ts';
import { ago, pod, rulesOf, run, running, tag } from './fixtures.ts';

function service(
  o: {
    name?: string;
    type?: string;
    selector?: Record<string, string> | null;
    lb?: boolean;
    created?: string;
  } = {},
): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: o.name ?? 'web', namespace: 'shop', creationTimestamp: o.created ?? ago(86_400) },
    spec: {
      type: o.type ?? 'ClusterIP',
      clusterIP: '10.96.14.7',
      ...(o.selector === null ? {} : { selector: o.selector ?? { app: 'web' } }),
      ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
    },
    status: { loadBalancer: o.lb ? { ingress: [{ ip: '34.120.8.19' }] } : {} },
  };
}

function ingress(backends: string[]): Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'shop', namespace: 'shop' },
    spec: {
      ingressClassName: 'nginx',
      rules: [
        {
          host: 'shop.example.com',
          http: {
            paths: backends.map((b, i) => ({
              path: `/${i}`,
              pathType: 'Prefix',
              backend: { service: { name: b, port: { number: 80 } } },
            })),
          },
        },
      ],
    },
  };
}

function pdb(o: {
  min?: number | string;
  maxUnavailable?: number;
  healthy: number;
  desired: number;
  expected: number;
  allowed: number;
}): PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      ...(o.min !== undefined ? { minAvailable: o.min } : {}),
      ...(o.maxUnavailable !== undefined ? { maxUnavailable: o.maxUnavailable } : {}),
    },
    status: {
      currentHealthy: o.healthy,
      desiredHealthy: o.desired,
      expectedPods: o.expected,
      disruptionsAllowed: o.allowed,
      conditions: [
        {
          type: 'DisruptionAllowed',
          status: o.allowed > 0 ? 'True' : 'False',
          reason: o.allowed > 0 ? 'SufficientPods' : 'InsufficientPods',
          message: '',
        },
      ],
    },
  };
}

const readyPod = pod();
const unreadyPod = pod({
  name: 'web-5d9c7b7f8d-qqqqq',
  ready: false,
  readySince: ago(10),
  containers: [running('app', { ready: false })],
});

const cases: { name: string; objects: object[]; expect: string[]; mentions?: string[] }[] = [
  { name: 'Service with a ready pod', objects: [service(), readyPod], expect: [] },
  {
    name: 'Service whose pods are all unready',
    objects: [service(), unreadyPod],
    expect: ['service-no-ready-endpoints:critical'],
    mentions: ['none of the 1 pods'],
  },
  {
    name: 'Service selector matching nothing',
    objects: [service({ selector: { app: 'wbe' } }), readyPod],
    expect: ['service-no-ready-endpoints:warning'],
    mentions: ['app=wbe'],
  },
  {
    name: 'Service in another namespace does not see the pods',
    objects: [{ ...service(), metadata: { name: 'web', namespace: 'other' } }, readyPod],
    expect: ['service-no-ready-endpoints:warning'],
  },
  {
    name: 'Service without selector (manual endpoints)',
    objects: [service({ selector: null }), readyPod],
    expect: [],
  },
  { name: 'Service judged only when the input has pods', objects: [service()], expect: [] },
  {
    name: 'ExternalName service',
    objects: [{ ...service(), spec: { type: 'ExternalName', externalName: 'db.example.com' } }, readyPod],
    expect: [],
  },
  {
    name: 'LoadBalancer with an address',
    objects: [service({ type: 'LoadBalancer', lb: true })],
    expect: [],
  },
  {
    name: 'LoadBalancer pending for an hour',
    objects: [service({ type: 'LoadBalancer' })],
    expect: ['service-lb-pending:warning'],
  },
  {
    name: 'LoadBalancer pending for a minute',
    objects: [service({ type: 'LoadBalancer', created: ago(60) })],
    expect: [],
  },
  { name: 'Ingress to existing Service', objects: [ingress(['web']), service()], expect: [] },
  {
    name: 'Ingress to a missing Service',
    objects: [ingress(['web', 'web-v2']), service()],
    expect: ['ingress-missing-service:critical'],
    mentions: ['web-v2'],
  },
  { name: 'Ingress alone (Services unknown) is not judged', objects: [ingress(['nope'])], expect: [] },
  {
    name: 'PDB with room',
    objects: [pdb({ maxUnavailable: 1, healthy: 3, desired: 2, expected: 3, allowed: 1 })],
    expect: [],
  },
  {
    name: 'PDB minAvailable = replicas',
    objects: [pdb({ min: 3, healthy: 3, desired: 3, expected: 3, allowed: 0 })],
    expect: ['pdb-zero-disruptions:warning'],
    mentions: ['as strict as the replica count'],
  },
  {
    name: 'PDB blocked by unhealthy pods',
    objects: [pdb({ min: '50%', healthy: 1, desired: 2, expected: 3, allowed: 0 })],
    expect: ['pdb-zero-disruptions:warning'],
    mentions: ['fewer pods are healthy'],
  },
  {
    name: 'PDB selecting no pods',
    objects: [pdb({ min: 1, healthy: 0, desired: 1, expected: 0, allowed: 0 })],
    expect: [],
  },
];

describe('Service, Ingress and PDB rules', () => {
  it.each(cases)('$name', (c) => {
    const findings = run(tag('c1', c.objects)).filter((f) => !f.rule.startsWith('pod-'));
    expect(rulesOf(findings)).toEqual([...c.expect].sort());
    const text = JSON.stringify(findings);
    for (const m of c.mentions ?? []) expect(text.toLowerCase()).toContain(m.toLowerCase());
  });
});
