// Per-user Kubernetes identity (auth.kubernetes.identity: subjectAccessReview): before a user is
// shown what the shared watch cache holds, or before Portolan changes a cluster for them, the
// cluster itself is asked (a SubjectAccessReview, sent as Portolan's own identity) whether that
// user may do it. Answers are cached per (user, cluster, verb, resource, namespace) for a short
// while. Only signed-in users (sessions and personal tokens) are checked: the demo's guest, the
// local user and the config's shared deploy token have no Kubernetes identity of their own.
import {
  type AccessCheck,
  type AccessDenial,
  AccessDenials,
  checkKey,
  denialMessage,
  describeAccess,
  type KubernetesIdentitySettings,
  type KubernetesSubject,
  kubernetesSubject,
} from '@portolan/core/auth/kubernetes';
import type { Subject } from '@portolan/core/auth/policy';
import { ForbiddenError } from '@portolan/core/errors';
import type { AccessReview, AccessReviewResult } from '../../kubernetes/client.ts';
import type { Logger } from '../../log.ts';
import { DecisionCache } from './cache.ts';

export interface KubernetesAccessOptions {
  settings: KubernetesIdentitySettings;
  /** Ask one cluster a SubjectAccessReview as Portolan's identity. */
  review(cluster: string, review: AccessReview): Promise<AccessReviewResult>;
  /** The catalog User's `spec.profile.email`, when it has one. */
  emailOf(userRef: string): Promise<string | undefined>;
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
  logger?: Logger;
}

type Answer = { allowed: true } | { allowed: false; reason?: string };

export class KubernetesAccess {
  readonly #o: KubernetesAccessOptions;
  readonly #cache: DecisionCache<Answer>;
  #reviews = 0;

  constructor(options: KubernetesAccessOptions) {
    this.#o = options;
    this.#cache = new DecisionCache<Answer>({
      ttlMs: options.ttlMs,
      maxEntries: options.maxEntries,
      now: options.now ?? Date.now,
    });
  }

  /** SubjectAccessReviews sent to clusters so far (the cache's misses). */
  get reviews(): number {
    return this.#reviews;
  }

  /** How long an answer is used; a stream re-checks its user's access this often. */
  get ttlMs(): number {
    return this.#o.ttlMs;
  }

  /** Whether this subject's cluster access is checked at all. */
  applies(subject: Subject): subject is Extract<Subject, { type: 'user' }> {
    return subject.type === 'user';
  }

  async #kubernetesSubject(
    subject: Extract<Subject, { type: 'user' }>,
  ): Promise<KubernetesSubject | { error: string }> {
    const email = this.#o.settings.username === 'email' ? await this.#o.emailOf(subject.ref) : undefined;
    return kubernetesSubject({ ref: subject.ref, email, groups: subject.groups }, this.#o.settings);
  }

  async #answer(who: KubernetesSubject, check: AccessCheck): Promise<Answer> {
    const key = `${who.user}\u0000${who.groups.join(',')}\u0000${checkKey(check)}`;
    return this.#cache.getOrAsk(key, async () => {
      this.#reviews++;
      const result = await this.#o.review(check.cluster, {
        user: who.user,
        groups: who.groups,
        verb: check.verb,
        group: check.group,
        resource: check.resource,
        ...(check.subresource ? { subresource: check.subresource } : {}),
        namespace: check.namespace,
      });
      return result.allowed
        ? { allowed: true }
        : { allowed: false, ...(result.reason ? { reason: result.reason } : {}) };
    });
  }

  /**
   * The checks the subject fails. A review the cluster could not answer (unreachable, or Portolan
   * may not create reviews there) is a denial too, saying so: nothing is shown on a guess.
   */
  async denials(subject: Subject, checks: readonly AccessCheck[]): Promise<AccessDenials> {
    if (!this.applies(subject) || checks.length === 0) return new AccessDenials([]);
    const who = await this.#kubernetesSubject(subject);
    if ('error' in who)
      return new AccessDenials(checks.map((c) => ({ ...c, message: denialMessage(c, who.error) })));
    const out: AccessDenial[] = [];
    await Promise.all(
      checks.map(async (check) => {
        try {
          const answer = await this.#answer(who, check);
          if (!answer.allowed) out.push({ ...check, message: denialMessage(check) });
        } catch (error) {
          this.#o.logger?.warn(
            { err: error, cluster: check.cluster, check: describeAccess(check) },
            'could not ask the cluster for a SubjectAccessReview',
          );
          out.push({
            ...check,
            message: denialMessage(check, `the cluster could not be asked: ${(error as Error).message}`),
          });
        }
      }),
    );
    return new AccessDenials(out);
  }

  /** Throws a 403 naming the cluster, verb and resource of every check the subject fails. */
  async require(subject: Subject, checks: readonly AccessCheck[]): Promise<void> {
    const denied = await this.denials(subject, checks);
    if (denied.empty) return;
    const first = denied.list[0]!;
    const more = denied.list.length > 1 ? ` (and ${denied.list.length - 1} more)` : '';
    throw new ForbiddenError(`${first.message}${more}`, {
      permission: `kubernetes: ${describeAccess(first)}`,
      cluster: first.cluster,
      namespace: first.namespace,
      verb: first.verb,
      resource: first.group === '' ? first.resource : `${first.resource}.${first.group}`,
      ...(first.subresource ? { subresource: first.subresource } : {}),
      denied: denied.list.length,
    });
  }
}
