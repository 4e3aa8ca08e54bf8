import { describe, expect, it } from 'vitest';
import { locateService } from '../../src/services/locator.ts';
import { catalogNamespaces, isNamespaceName, watchNamespacesProblem } from '../../src/services/scope.ts';

const component = (name: string, annotations: Record<string, string> = {}) =>
  locateService({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: {},
  });

describe('catalogNamespaces', () => {
  it('is the sorted union of the namespaces the services name, each once', () => {
    const got = catalogNamespaces([
      component('checkout', { 'backstage.io/kubernetes-namespace': 'payments' }),
      component('search', { 'backstage.io/kubernetes-namespace': 'search, payments' }),
      component('ledger', { 'backstage.io/kubernetes-namespace': 'ledger' }),
    ]);
    expect(got).toEqual({ namespaces: ['ledger', 'payments', 'search'], unplaced: [], invalid: [] });
  });

  it('names the services that name no namespace, since namespaced mode cannot place them', () => {
    const got = catalogNamespaces([
      component('checkout', { 'backstage.io/kubernetes-namespace': 'payments' }),
      component('orphan'),
      component('blank', { 'backstage.io/kubernetes-namespace': ' , ' }),
    ]);
    expect(got.namespaces).toEqual(['payments']);
    expect(got.unplaced).toEqual(['component:default/blank', 'component:default/orphan']);
  });

  it('ignores an annotation that is not a namespace name (it would become a URL path) and says which', () => {
    const got = catalogNamespaces([
      component('evil', { 'backstage.io/kubernetes-namespace': '../../apis,ok-ns,UPPER' }),
    ]);
    expect(got.namespaces).toEqual(['ok-ns']);
    expect(got.invalid).toEqual([
      { ref: 'component:default/evil', namespace: '../../apis' },
      { ref: 'component:default/evil', namespace: 'UPPER' },
    ]);
  });

  it('skips a service whose locator has a problem: it selects nothing anywhere', () => {
    const got = catalogNamespaces([
      component('broken', {
        'backstage.io/kubernetes-label-selector': 'app in (',
        'backstage.io/kubernetes-namespace': 'broken-ns',
      }),
    ]);
    expect(got).toEqual({ namespaces: [], unplaced: [], invalid: [] });
  });
});

describe('namespace names', () => {
  it('follows Kubernetes: RFC 1123 labels of at most 63 characters', () => {
    for (const ok of ['a', 'payments', 'team-1', '0abc', 'a'.repeat(63)])
      expect(isNamespaceName(ok)).toBe(true);
    for (const bad of ['', '-a', 'a-', 'A', 'a_b', 'a.b', 'a/b', 'a'.repeat(64), '..'])
      expect(isNamespaceName(bad)).toBe(false);
  });
});

describe('watchNamespacesProblem', () => {
  it('accepts all, catalog and a list of distinct namespace names', () => {
    expect(watchNamespacesProblem('all')).toBeUndefined();
    expect(watchNamespacesProblem('catalog')).toBeUndefined();
    expect(watchNamespacesProblem(['payments', 'search'])).toBeUndefined();
  });

  it('refuses an empty list, a bad name and a name listed twice, saying which', () => {
    expect(watchNamespacesProblem([])).toMatch(/empty list watches nothing/);
    expect(watchNamespacesProblem(['payments', 'Pay_ments'])).toMatch(/^"Pay_ments" is not a namespace name/);
    expect(watchNamespacesProblem(['payments', 'payments'])).toBe('"payments" is listed twice');
  });
});
