import { describe, expect, it } from 'vitest';
import {
  type AccessCheck,
  AccessDenials,
  allowedDiscovered,
  allowedFindings,
  allowedObjects,
  checkForKind,
  denialMessage,
  describeAccess,
  findingReads,
  type KubernetesIdentitySettings,
  kubernetesSubject,
  listChecks,
  readChecks,
  VIEW_KINDS,
  withAccessErrors,
  writeChecks,
} from '../../src/auth/kubernetes.ts';
import type { Finding } from '../../src/health/types.ts';
import type { Pod } from '../../src/k8s/types.ts';
import type { DiscoveredService } from '../../src/services/discovery.ts';
import type { ServiceObject } from '../../src/services/objects.ts';
import { buildServiceView } from '../../src/services/view.ts';

const byEmail: KubernetesIdentitySettings = {
  username: 'email',
  usernamePrefix: '',
  groups: 'catalog',
  groupPrefix: '',
};
const ada = {
  ref: 'user:default/ada',
  email: 'Ada@Example.com',
  groups: ['group:default/payments', 'group:eng/platform'],
};

describe('kubernetesSubject', () => {
  it('names the user by email, lower-cased, with the catalog groups by name', () => {
    expect(kubernetesSubject(ada, byEmail)).toEqual({
      user: 'ada@example.com',
      groups: ['eng/platform', 'payments'],
    });
  });

  it('names the user by catalog name, with prefixes on the user and on each group', () => {
    const settings = {
      username: 'name',
      usernamePrefix: 'oidc:',
      groups: 'catalog',
      groupPrefix: 'oidc:',
    } as const;
    expect(kubernetesSubject(ada, settings)).toEqual({
      user: 'oidc:ada',
      groups: ['oidc:eng/platform', 'oidc:payments'],
    });
    expect(kubernetesSubject({ ...ada, ref: 'user:eng/bob' }, settings)).toMatchObject({
      user: 'oidc:eng/bob',
    });
  });

  it('sends no groups when groups are off', () => {
    expect(kubernetesSubject(ada, { ...byEmail, groups: 'none' })).toEqual({
      user: 'ada@example.com',
      groups: [],
    });
  });

  it('cannot name a user without an email when names are emails, and says why', () => {
    const result = kubernetesSubject({ ref: 'user:default/nomail', groups: [] }, byEmail);
    expect(result).toEqual({ error: expect.stringContaining('user:default/nomail has no email') });
  });
});

function pod(name: string, namespace: string, owner: string): ServiceObject {
  const object: Pod = {
    metadata: {
      name,
      namespace,
      uid: `u-${name}`,
      creationTimestamp: '2026-01-01T00:00:00Z',
      ownerReferences: [{ uid: owner, controller: true }],
    },
    spec: { containers: [{ name: 'main', image: 'reg/checkout:1.2.0' }] },
    status: {
      phase: 'Running',
      containerStatuses: [{ name: 'main', ready: true, restartCount: 0, state: { running: {} } }],
    },
  };
  return { kind: 'Pod', object };
}
const deployment: ServiceObject = {
  kind: 'Deployment',
  object: {
    metadata: { name: 'checkout', namespace: 'pay', uid: 'd1', labels: { app: 'checkout' } },
    spec: {
      replicas: 1,
      template: { spec: { containers: [{ name: 'main', image: 'reg/checkout:1.2.0' }] } },
    },
    status: { replicas: 1, readyReplicas: 1, updatedReplicas: 1, availableReplicas: 1 },
  },
};
const replicaSet: ServiceObject = {
  kind: 'ReplicaSet',
  object: {
    metadata: { name: 'rs', namespace: 'pay', uid: 'r1', ownerReferences: [{ uid: 'd1', controller: true }] },
  },
};
const objects = [deployment, replicaSet, pod('p1', 'pay', 'r1')];
const deny = (check: AccessCheck) => ({ ...check, message: denialMessage(check) });

describe('checks', () => {
  it('asks for every view kind in every namespace the service has objects in, once per cluster', () => {
    const checks = readChecks([
      ...objects.map((o) => ({ cluster: 'eu', ...o })),
      { cluster: 'us', ...pod('p2', 'pay-us', 'x') },
    ]);
    expect(checks).toHaveLength(2 * VIEW_KINDS.length);
    expect(checks).toContainEqual({
      cluster: 'eu',
      verb: 'list',
      group: '',
      resource: 'pods',
      namespace: 'pay',
      kind: 'Pod',
    });
    expect(checks).toContainEqual({
      cluster: 'us',
      verb: 'list',
      group: 'apps',
      resource: 'deployments',
      namespace: 'pay-us',
      kind: 'Deployment',
    });
    expect(checks.some((c) => c.resource === 'events')).toBe(false);
  });

  it('asks for patch on each workload kind where it runs, in the named clusters only', () => {
    const all = [...objects.map((o) => ({ cluster: 'eu', ...o })), { cluster: 'us', ...deployment }];
    expect(writeChecks(all).map((c) => `${c.cluster} ${describeAccess(c)} ${c.namespace}`)).toEqual([
      'eu patch deployments.apps pay',
      'us patch deployments.apps pay',
    ]);
    expect(writeChecks(all, { clusters: ['us'] }).map((c) => c.cluster)).toEqual(['us']);
  });

  it('words a denial as kubectl auth can-i would ask it', () => {
    const log = { ...checkForKind('eu', 'get', 'Pod', 'pay'), subresource: 'log' };
    expect(denialMessage(log)).toBe(
      'your Kubernetes permissions do not allow get pods/log in namespace pay on cluster eu',
    );
    expect(describeAccess(checkForKind('eu', 'list', 'HorizontalPodAutoscaler', 'pay'))).toBe(
      'list horizontalpodautoscalers.autoscaling',
    );
  });
});

describe('a view built with denials', () => {
  const state = { cluster: 'eu', region: 'eu', status: 'synced' as const, counts: {}, kinds: {} };
  const build = (denials: AccessDenials) =>
    withAccessErrors(
      buildServiceView({
        ref: 'component:default/checkout',
        name: 'checkout',
        now: Date.parse('2026-01-01T00:10:00Z'),
        clusters: [{ state, objects: allowedObjects('eu', objects, denials) }],
      }),
      denials,
    );

  it('is the same view when nothing is denied', () => {
    const none = new AccessDenials([]);
    expect(none.empty).toBe(true);
    expect(allowedObjects('eu', objects, none)).toBe(objects);
    expect(build(none).clusters[0]?.errors).toEqual([]);
  });

  it('leaves out the pods and names the denial in the cluster, named in its region', () => {
    const denials = new AccessDenials([deny(checkForKind('eu', 'list', 'Pod', 'pay'))]);
    const view = build(denials);
    const cluster = view.clusters[0]!;
    expect(cluster.items[0]?.name).toBe('checkout');
    expect(cluster.items[0]?.pods).toEqual([]);
    expect(cluster.items[0]?.podSummary.total).toBe(0);
    expect(view.summary.pods).toBe(0);
    expect(cluster.errors).toEqual([
      {
        type: 'forbidden',
        kind: 'Pod',
        namespace: 'pay',
        permission: 'list pods',
        message: 'your Kubernetes permissions do not allow list pods in namespace pay on cluster eu',
      },
    ]);
    expect(view.regions[0]?.clusters).toEqual(['eu']);
  });

  it('leaves out workloads of a denied kind, and only in the denied cluster and namespace', () => {
    const denials = new AccessDenials([deny(checkForKind('eu', 'list', 'Deployment', 'pay'))]);
    expect(build(denials).clusters[0]?.items).toEqual([]);
    expect(allowedObjects('us', objects, denials)).toHaveLength(3);
    expect(
      allowedObjects(
        'eu',
        objects,
        new AccessDenials([deny(checkForKind('eu', 'list', 'Deployment', 'other'))]),
      ),
    ).toHaveLength(3);
  });

  it('has a key that is the same for the same denials in any order', () => {
    const a = deny(checkForKind('eu', 'list', 'Pod', 'pay'));
    const b = deny(checkForKind('us', 'list', 'Service', 'pay'));
    expect(new AccessDenials([a, b]).key).toBe(new AccessDenials([b, a]).key);
    expect(new AccessDenials([a]).key).not.toBe(new AccessDenials([b]).key);
  });
});

describe('allowedFindings', () => {
  const finding = (kind: string, namespace: string): Finding => ({
    id: `${kind}-${namespace}`,
    rule: 'pod-crash-loop',
    severity: 'critical',
    object: { cluster: 'eu', kind, namespace, name: 'checkout' },
    summary: 's',
    explanation: 'e',
    nextSteps: [],
    evidence: { exitCode: 1, events: [{ reason: 'BackOff' }], logTail: ['panic'] },
    pods: ['p1'],
  });
  const yes = { events: () => true, logs: () => true };

  it('drops findings about objects the user may not list', () => {
    const denials = new AccessDenials([deny(checkForKind('eu', 'list', 'Deployment', 'pay'))]);
    const out = allowedFindings([finding('Deployment', 'pay'), finding('Deployment', 'other')], denials, yes);
    expect(out.map((f) => f.id)).toEqual(['Deployment-other']);
  });

  it('drops a pod finding rolled up to its workload where pods may not be listed (its summary names a pod)', () => {
    const denials = new AccessDenials([deny(checkForKind('eu', 'list', 'Pod', 'pay'))]);
    expect(
      allowedFindings([finding('Deployment', 'pay'), finding('Deployment', 'other')], denials, yes),
    ).toEqual([finding('Deployment', 'other')]);
    const workloadOnly: Finding = { ...finding('Deployment', 'pay'), rule: 'deployment-unavailable' };
    delete workloadOnly.pods;
    expect(allowedFindings([workloadOnly], denials, yes)).toEqual([workloadOnly]);
  });

  it('keeps events and log tails only where they may be read', () => {
    const [f] = allowedFindings([finding('Deployment', 'pay')], new AccessDenials([]), {
      events: () => false,
      logs: () => false,
    });
    expect(f?.evidence).toEqual({ exitCode: 1 });
    expect(f?.pods).toEqual(['p1']);
    const [g] = allowedFindings([finding('Deployment', 'pay')], new AccessDenials([]), yes);
    expect(g?.evidence.logTail).toEqual(['panic']);
  });

  it('keeps what the finding carries beyond a Finding (the fleet tags each with its service)', () => {
    const tagged = { ...finding('Pod', 'pay'), service: 'component:default/checkout' };
    expect(allowedFindings([tagged], new AccessDenials([]), yes)[0]?.service).toBe(
      'component:default/checkout',
    );
  });
});

describe('findingReads and listChecks', () => {
  it('reads a pod finding from its workload, its pods and its events', () => {
    const f: Finding = {
      id: 'x',
      rule: 'pod-crash-loop',
      severity: 'critical',
      object: { cluster: 'eu', kind: 'Deployment', namespace: 'pay', name: 'checkout' },
      summary: '',
      explanation: '',
      nextSteps: [],
      evidence: { events: [{ reason: 'BackOff' }] },
      pods: ['checkout-1'],
    };
    expect(findingReads(f).map((r) => r.kind)).toEqual(['Deployment', 'Pod', 'Event']);
    expect(
      findingReads({ ...f, rule: 'deployment-paused', evidence: {}, pods: undefined }).map((r) => r.kind),
    ).toEqual(['Deployment']);
  });

  it('asks once per cluster, kind and namespace; nothing for unwatched kinds or no namespace', () => {
    const checks = listChecks([
      { cluster: 'eu', kind: 'Pod', namespace: 'pay' },
      { cluster: 'eu', kind: 'Pod', namespace: 'pay' },
      { cluster: 'us', kind: 'Pod', namespace: 'pay' },
      { cluster: 'eu', kind: 'Rollout', namespace: 'pay' },
      { cluster: '*', kind: 'Fleet', namespace: '' },
      { cluster: 'eu', kind: 'Deployment', namespace: '' },
    ]);
    expect(checks).toEqual([
      checkForKind('eu', 'list', 'Pod', 'pay'),
      checkForKind('us', 'list', 'Pod', 'pay'),
    ]);
  });
});

describe('allowedDiscovered', () => {
  const svc = (id: string, workloads: DiscoveredService['workloads']): DiscoveredService => ({
    id,
    name: id,
    groupedBy: { label: 'app', value: id },
    labels: { app: id },
    clusters: [...new Set(workloads.map((w) => w.cluster))].sort(),
    namespaces: [...new Set(workloads.map((w) => w.namespace))].sort(),
    workloads,
  });
  const web = svc('web', [
    { cluster: 'eu', kind: 'Deployment', namespace: 'pay', name: 'web' },
    { cluster: 'us', kind: 'Deployment', namespace: 'shop', name: 'web' },
  ]);
  const jobs = svc('jobs', [{ cluster: 'eu', kind: 'CronJob', namespace: 'pay', name: 'jobs' }]);

  it('keeps the workloads the user may list and leaves out a service with none left', () => {
    const denials = new AccessDenials([
      deny(checkForKind('eu', 'list', 'Deployment', 'pay')),
      deny(checkForKind('eu', 'list', 'CronJob', 'pay')),
    ]);
    expect(allowedDiscovered([web, jobs], denials)).toEqual([
      { ...web, clusters: ['us'], namespaces: ['shop'], workloads: [web.workloads[1]] },
    ]);
    expect(allowedDiscovered([web, jobs], new AccessDenials([]))).toEqual([web, jobs]);
  });
});
