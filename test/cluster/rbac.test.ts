// Portolan's documented ClusterRole stays least-privilege, and the fleet's limited variant
// differs from it by exactly one kind; the namespaced Role grants exactly what namespaced mode
// calls: list and watch on each watched kind, get on pod logs, list on pod metrics.
import { readFileSync } from 'node:fs';
import { loadAllYaml, type V1ClusterRole, type V1Role } from '@kubernetes/client-node';
import { KIND_INFO, WATCHED_KINDS } from '@portolan/core';
import { describe, expect, it } from 'vitest';
import { limitedRole, NAMESPACED_ROLE_FILE, READER_ROLE_FILE, readerRbac } from './cluster-setup.ts';

const docs = loadAllYaml(readFileSync(READER_ROLE_FILE, 'utf8')) as Array<{ kind: string }>;
const role = docs.find((d) => d.kind === 'ClusterRole') as V1ClusterRole;
const { reader, accessReview } = readerRbac();
const granted = (r: V1ClusterRole) =>
  (r.rules ?? []).flatMap((rule) =>
    (rule.apiGroups ?? []).flatMap((group) => (rule.resources ?? []).map((res) => `${group}/${res}`)),
  );

describe('portolan-reader ClusterRole', () => {
  it('grants only get, list and watch (get and list on metrics, which cannot be watched)', () => {
    for (const rule of role.rules ?? [])
      expect([...rule.verbs].sort()).toEqual(
        rule.apiGroups?.includes('metrics.k8s.io') ? ['get', 'list'] : ['get', 'list', 'watch'],
      );
  });

  it('grants exactly the kinds Portolan shows, and never secrets or configmaps', () => {
    expect(granted(role).sort()).toEqual(
      [
        '/events',
        '/namespaces',
        '/pods',
        '/pods/log',
        '/services',
        'apps/daemonsets',
        'apps/deployments',
        'apps/replicasets',
        'apps/statefulsets',
        'autoscaling/horizontalpodautoscalers',
        'batch/cronjobs',
        'batch/jobs',
        'events.k8s.io/events',
        'metrics.k8s.io/pods',
        'networking.k8s.io/ingresses',
        'policy/poddisruptionbudgets',
      ].sort(),
    );
    expect(granted(role).some((g) => /secrets|configmaps|\*/.test(g))).toBe(false);
  });

  it('is the first ClusterRole of the file, the one the fleet binds to its portolan user', () => {
    expect(reader.role).toEqual(role);
  });

  it('asks SubjectAccessReviews through a separate role that may only create them', () => {
    // Needed only with per-user Kubernetes identity; kept apart so the reader stays read-only.
    expect(accessReview.role.rules).toEqual([
      { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
    ]);
    expect(accessReview.binding.roleRef.name).toBe(accessReview.role.metadata?.name);
    expect(accessReview.binding.subjects).toEqual(reader.binding.subjects);
  });

  it('has a limited variant for RBAC tests that lacks only horizontalpodautoscalers', () => {
    const limited = limitedRole(role);
    expect(limited.metadata?.name).toBe('portolan-reader-limited');
    const missing = granted(role).filter((g) => !granted(limited).includes(g));
    expect(missing).toEqual(['autoscaling/horizontalpodautoscalers']);
    expect(granted(limited)).toHaveLength(granted(role).length - 1);
  });
});

describe('portolan-reader Role (namespaced mode)', () => {
  const docs = loadAllYaml(readFileSync(NAMESPACED_ROLE_FILE, 'utf8')) as Array<{ kind: string }>;
  const namespaced = docs.find((d) => d.kind === 'Role') as V1Role;
  const grants = (namespaced.rules ?? []).flatMap((rule) =>
    (rule.apiGroups ?? []).flatMap((group) =>
      (rule.resources ?? []).flatMap((res) => rule.verbs.map((verb) => `${verb} ${group}/${res}`)),
    ),
  );

  it('grants exactly list and watch on every kind the engine watches, get on pod logs, list on pod metrics', () => {
    const needed = [
      ...WATCHED_KINDS.flatMap((k) =>
        ['list', 'watch'].map((v) => `${v} ${KIND_INFO[k].group}/${KIND_INFO[k].plural}`),
      ),
      'get /pods/log',
      'list metrics.k8s.io/pods',
    ];
    expect(grants.sort()).toEqual(needed.sort());
  });

  it('is a Role and RoleBinding only: nothing cluster-wide, no wildcards, no secrets', () => {
    expect(docs.map((d) => d.kind)).toEqual(['Role', 'RoleBinding']);
    expect(grants.some((g) => /secrets|configmaps|\*/.test(g))).toBe(false);
  });
});
