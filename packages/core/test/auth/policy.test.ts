import { describe, expect, it } from 'vitest';
import {
  ACTIONS,
  type Action,
  DEFAULT_POLICY,
  decide,
  type PolicySettings,
  type Resource,
  type Subject,
  type TokenScope,
} from '../../src/auth/policy.ts';

const payments = 'group:default/payments';
const checkout: Resource = { type: 'service', ref: 'component:default/checkout', owner: payments };
const discovered: Resource = { type: 'service', ref: 'discovered:pay/legacy' };
const portal: Resource = { type: 'portal' };

const user = (groups: string[], owns = groups, scope?: TokenScope): Subject => ({
  type: 'user',
  ref: 'user:default/someone',
  groups,
  owns,
  ...(scope ? { scope } : {}),
});
const owner = user([payments]);
const stranger = user(['group:default/shop']);
const admin = user(['group:default/platform']);
const settings: PolicySettings = { ...DEFAULT_POLICY, admins: ['group:default/platform'] };

const allowed = (s: Subject, a: Action, r: Resource, p = settings) => decide(s, a, r, p).allow;

describe('the permission policy', () => {
  it('answers the documented table for an owner, a stranger and an admin', () => {
    const table = ACTIONS.map((a) => {
      const r = a.startsWith('service.') ? checkout : portal;
      return [a, allowed(owner, a, r), allowed(stranger, a, r), allowed(admin, a, r)];
    });
    expect(table).toEqual([
      ['catalog.read', true, true, true],
      ['service.read', true, true, true],
      ['service.logs', true, false, true],
      ['service.deploy', true, false, true],
      ['service.cancel', true, false, true],
      ['service.rollback', true, false, true],
      ['service.restart', true, false, true],
      ['service.approve', true, false, true],
      ['catalog.refresh', false, false, true],
      ['catalog.write', false, false, true],
      ['clusters.reload', false, false, true],
      ['audit.read', false, false, true],
      ['tokens.manage', true, true, true],
    ]);
  });

  it('names the missing permission and who has it', () => {
    expect(decide(stranger, 'service.deploy', checkout, settings)).toEqual({
      allow: false,
      permission: 'service.deploy',
      reason: "service.deploy is for the service's owners and admins",
    });
    expect(decide(owner, 'clusters.reload', portal, settings)).toMatchObject({
      permission: 'clusters.reload',
      reason: 'clusters.reload is for admins',
    });
  });

  it('counts ownership through sub-groups and admin membership through parent groups', () => {
    // A member of the parent team owns what its sub-team owns; the sub-team does not own the parent's.
    const parentMember = user(['group:default/commerce'], ['group:default/commerce', payments]);
    expect(allowed(parentMember, 'service.deploy', checkout)).toBe(true);
    const subTeam = user(['group:default/payments-eu', payments], ['group:default/payments-eu']);
    expect(allowed(subTeam, 'service.deploy', checkout)).toBe(false);
    // a user that owns the service directly
    const direct: Subject = { type: 'user', ref: 'user:default/ann', groups: [], owns: [] };
    expect(allowed(direct, 'service.restart', { ...checkout, owner: 'user:default/ann' })).toBe(true);
  });

  it('lets only admins act on a discovered service, which has no owner', () => {
    expect(allowed(owner, 'service.read', discovered)).toBe(true);
    expect(allowed(owner, 'service.logs', discovered)).toBe(false);
    expect(allowed(owner, 'service.deploy', discovered)).toBe(false);
    expect(allowed(admin, 'service.deploy', discovered)).toBe(true);
  });

  it('restricts reading to listed groups and owners when so configured', () => {
    const restricted: PolicySettings = {
      ...settings,
      read: { who: 'groups', groups: ['group:default/eng'] },
    };
    expect(allowed(stranger, 'catalog.read', portal, restricted)).toBe(false);
    expect(decide(stranger, 'service.read', checkout, restricted)).toMatchObject({
      permission: 'service.read',
      reason: "service.read is for readers of the portal and the service's owners and admins",
    });
    expect(allowed(owner, 'service.read', checkout, restricted)).toBe(true);
    expect(allowed(owner, 'catalog.read', portal, restricted)).toBe(false);
    expect(allowed(user(['group:default/eng']), 'catalog.read', portal, restricted)).toBe(true);
    expect(allowed(admin, 'catalog.read', portal, restricted)).toBe(true);
  });

  it('opens logs to every reader when so configured', () => {
    expect(allowed(stranger, 'service.logs', checkout, { ...settings, logs: 'readers' })).toBe(true);
    const restricted: PolicySettings = { ...settings, logs: 'readers', read: { who: 'groups', groups: [] } };
    expect(allowed(stranger, 'service.logs', checkout, restricted)).toBe(false);
  });

  it('never lets a token do more than its scope, nor more than its user', () => {
    const readToken = user([payments], [payments], 'read');
    expect(allowed(readToken, 'service.logs', checkout)).toBe(true);
    expect(decide(readToken, 'service.deploy', checkout, settings)).toMatchObject({
      allow: false,
      permission: 'service.deploy',
      reason: 'this token\'s scope is "read"; service.deploy needs a "deploy" token',
    });
    expect(allowed(user([payments], [payments], 'deploy'), 'service.deploy', checkout)).toBe(true);
    expect(allowed(user([payments], [payments], 'deploy'), 'tokens.manage', portal)).toBe(false);
    // an admin-scoped token of a non-admin is still not an admin
    expect(allowed(user([payments], [payments], 'admin'), 'clusters.reload', portal)).toBe(false);
    expect(allowed(user(['group:default/platform'], [], 'deploy'), 'clusters.reload', portal)).toBe(false);
    expect(allowed(user(['group:default/platform'], [], 'admin'), 'clusters.reload', portal)).toBe(true);
  });

  it('gives the anonymous nothing, the local user every read and no writes, the demo guest no admin pages, the deploy token deploys', () => {
    for (const a of ACTIONS) {
      expect(decide({ type: 'anonymous' }, a, checkout, settings)).toEqual({
        allow: false,
        permission: a,
        reason: 'sign in first',
      });
    }
    const local = ACTIONS.filter((a) => allowed({ type: 'local' }, a, checkout));
    expect(local).toEqual([
      'catalog.read',
      'service.read',
      'service.logs',
      'catalog.refresh',
      'clusters.reload',
      'audit.read',
    ]);
    const deployToken = ACTIONS.filter((a) => allowed({ type: 'deploy-token' }, a, discovered));
    expect(deployToken).toEqual([
      'catalog.read',
      'service.read',
      'service.logs',
      'service.deploy',
      'service.cancel',
      'service.rollback',
      'service.restart',
      'service.approve',
    ]);
    const guestDenied = ACTIONS.filter((a) => !allowed({ type: 'guest' }, a, checkout));
    expect(guestDenied).toEqual(['catalog.write', 'audit.read', 'tokens.manage']);
  });
});
