// The permission policy: one decision table, subject x action x resource -> allow, or deny with
// the missing permission named. Every route and stream of the server asks this module and
// nothing else; it does no I/O, so what it answers is exactly what its table and tests say.
//
// | action           | who, by default                                      | token scope |
// |------------------|------------------------------------------------------|-------------|
// | catalog.read     | readers (everyone signed in, or listed groups)       | read        |
// | service.read     | readers, and the service's owners                    | read        |
// | service.logs     | the service's owners (or every reader, if so set)    | read        |
// | service.deploy   | the service's owners                                 | deploy      |
// | service.cancel   | the service's owners                                 | deploy      |
// | service.rollback | the service's owners                                 | deploy      |
// | service.restart  | the service's owners                                 | deploy      |
// | service.approve  | the service's owners                                 | deploy      |
// | catalog.refresh  | admins                                               | admin       |
// | catalog.write    | admins                                               | admin       |
// | clusters.reload  | admins                                               | admin       |
// | audit.read       | admins                                               | admin       |
// | tokens.manage    | every signed-in user, for their own tokens           | admin       |
//
// Admins may do everything. A token never grants more than its user has, and only the actions
// its scope covers. The demo's guest, the single-user local mode and the config's shared deploy
// token have fixed rules, below.

export const ACTIONS = [
  'catalog.read',
  'service.read',
  'service.logs',
  'service.deploy',
  'service.cancel',
  'service.rollback',
  'service.restart',
  'service.approve',
  'catalog.refresh',
  'catalog.write',
  'clusters.reload',
  'audit.read',
  'tokens.manage',
] as const;
export type Action = (typeof ACTIONS)[number];

/** What a personal API token may be used for; each scope includes the ones before it. */
export const TOKEN_SCOPES = ['read', 'deploy', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

type Rule = 'readers' | 'service-readers' | 'logs' | 'owners' | 'admins' | 'signed-in';

interface Row {
  rule: Rule;
  scope: TokenScope;
  /** Changes state (a cluster, the catalog, the portal's own data). */
  write: boolean;
}

/** The decision table itself, as data (the comment above is its rendering). */
export const POLICY_TABLE: Readonly<Record<Action, Row>> = {
  'catalog.read': { rule: 'readers', scope: 'read', write: false },
  'service.read': { rule: 'service-readers', scope: 'read', write: false },
  'service.logs': { rule: 'logs', scope: 'read', write: false },
  'service.deploy': { rule: 'owners', scope: 'deploy', write: true },
  'service.cancel': { rule: 'owners', scope: 'deploy', write: true },
  'service.rollback': { rule: 'owners', scope: 'deploy', write: true },
  'service.restart': { rule: 'owners', scope: 'deploy', write: true },
  'service.approve': { rule: 'owners', scope: 'deploy', write: true },
  'catalog.refresh': { rule: 'admins', scope: 'admin', write: true },
  'catalog.write': { rule: 'admins', scope: 'admin', write: true },
  'clusters.reload': { rule: 'admins', scope: 'admin', write: true },
  'audit.read': { rule: 'admins', scope: 'admin', write: false },
  'tokens.manage': { rule: 'signed-in', scope: 'admin', write: true },
};

export type Subject =
  /** A signed-in user (cookie session) or a personal API token of that user. */
  | {
      type: 'user';
      /** The catalog User entity's ref, or `user:default/<name>` when the catalog has none. */
      ref: string;
      /** Groups the user belongs to, directly and through parent groups (admins, readers). */
      groups: readonly string[];
      /** Groups whose services the user owns: their own groups and every group below them. */
      owns: readonly string[];
      /** Set when the request came with a token: what that token may do. */
      scope?: TokenScope;
    }
  /** `portolan demo`: a visitor of a simulated fleet. */
  | { type: 'guest' }
  /** A config without `auth`: the one user of a portal on their own machine. */
  | { type: 'local' }
  /**
   * The shared deploy token of the config (`deploy.tokenEnv`), for CI that predates personal
   * tokens: every read-scope and deploy-scope action on every service, nothing of an admin's.
   */
  | { type: 'deploy-token' }
  /** Sign-in is configured and the request carries no session and no token. */
  | { type: 'anonymous' };

/** The thing acted on: the portal as a whole, or one service (an entity, or a discovered one). */
export type Resource =
  | { type: 'portal' }
  | {
      type: 'service';
      ref: string;
      /** The entity's spec.owner as a canonical ref; absent for a discovered service. */
      owner?: string;
    };

export interface PolicySettings {
  /** Members of these groups (or of groups below them) are admins. */
  admins: readonly string[];
  /**
   * Who reads the catalog and the service views: everyone signed in, or only members of the
   * listed groups (and, for a service's views, its owners).
   */
  read: { who: 'signed-in' } | { who: 'groups'; groups: readonly string[] };
  /** Who reads pod logs and events: the service's owners, or everyone who may read its views. */
  logs: 'owners' | 'readers';
}

export const DEFAULT_POLICY: PolicySettings = { admins: [], read: { who: 'signed-in' }, logs: 'owners' };

export type Decision =
  | { allow: true }
  | {
      allow: false;
      /** The permission the subject lacks, e.g. `service.deploy`. */
      permission: Action;
      /** One sentence for the 403 body: who has that permission. */
      reason: string;
    };

const ALLOW: Decision = { allow: true };
const deny = (permission: Action, reason: string): Decision => ({ allow: false, permission, reason });

const GUEST_DENIED: ReadonlySet<Action> = new Set(['catalog.write', 'audit.read', 'tokens.manage']);
const LOCAL_DENIED: ReadonlySet<Action> = new Set(
  ACTIONS.filter((a) => POLICY_TABLE[a].write && a !== 'catalog.refresh' && a !== 'clusters.reload'),
);

function isAdmin(subject: Extract<Subject, { type: 'user' }>, settings: PolicySettings): boolean {
  return settings.admins.some((g) => subject.groups.includes(g));
}

function owns(subject: Extract<Subject, { type: 'user' }>, resource: Resource): boolean {
  if (resource.type !== 'service' || resource.owner === undefined) return false;
  return resource.owner === subject.ref || subject.owns.includes(resource.owner);
}

function isReader(subject: Extract<Subject, { type: 'user' }>, settings: PolicySettings): boolean {
  return settings.read.who === 'signed-in' || settings.read.groups.some((g) => subject.groups.includes(g));
}

const WHO: Record<Rule, string> = {
  readers: 'readers of the portal',
  'service-readers': "readers of the portal and the service's owners",
  logs: "the service's owners",
  owners: "the service's owners",
  admins: 'admins',
  'signed-in': 'signed-in users',
};

/** May this subject do this action on this resource? */
export function decide(
  subject: Subject,
  action: Action,
  resource: Resource,
  settings: PolicySettings = DEFAULT_POLICY,
): Decision {
  const row = POLICY_TABLE[action];
  switch (subject.type) {
    case 'anonymous':
      return deny(action, 'sign in first');
    case 'guest':
      return GUEST_DENIED.has(action) ? deny(action, 'the demo guest may not do this') : ALLOW;
    case 'local':
      return LOCAL_DENIED.has(action)
        ? deny(
            action,
            'writes are disabled when the portal runs without sign-in (no "auth" section); add one, or send the deploy token named by deploy.tokenEnv',
          )
        : ALLOW;
    case 'deploy-token':
      return row.scope === 'admin' ? deny(action, `the deploy token may not do ${action}`) : ALLOW;
    case 'user':
      break;
  }
  if (subject.scope !== undefined && TOKEN_SCOPES.indexOf(subject.scope) < TOKEN_SCOPES.indexOf(row.scope))
    return deny(action, `this token's scope is "${subject.scope}"; ${action} needs a "${row.scope}" token`);
  if (isAdmin(subject, settings)) return ALLOW;
  let allowed: boolean;
  switch (row.rule) {
    case 'signed-in':
      allowed = true;
      break;
    case 'readers':
      allowed = isReader(subject, settings);
      break;
    case 'service-readers':
      allowed = isReader(subject, settings) || owns(subject, resource);
      break;
    case 'logs':
      allowed = owns(subject, resource) || (settings.logs === 'readers' && isReader(subject, settings));
      break;
    case 'owners':
      allowed = owns(subject, resource);
      break;
    case 'admins':
      allowed = false;
      break;
  }
  if (allowed) return ALLOW;
  const who = row.rule === 'logs' && settings.logs === 'readers' ? WHO['service-readers'] : WHO[row.rule];
  return deny(action, `${action} is for ${who}${row.rule === 'admins' ? '' : ' and admins'}`);
}

/** Is this action a write (it changes a cluster, the catalog or the portal's data)? */
export function isWrite(action: Action): boolean {
  return POLICY_TABLE[action].write;
}
