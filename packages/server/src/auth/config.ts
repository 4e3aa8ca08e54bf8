import { z } from 'zod';

const groupRefs = z.array(z.string().min(1));

/**
 * The `auth:` section. Without it the portal is a single-user local tool: it listens on loopback
 * only and every write is off.
 */
export const authConfigSchema = z
  .object({
    /**
     * The address people open, e.g. https://portolan.example.com. Requests naming any other
     * Host are refused (DNS rebinding), state-changing requests from any other origin are
     * refused, and the sign-in redirect comes back here. Cookies are `Secure` when it is https.
     */
    baseUrl: z.url().transform((u) => u.replace(/\/+$/, '')),
    /** OpenID Connect sign-in (authorization code with PKCE). */
    oidc: z
      .object({
        issuer: z.url(),
        clientId: z.string().min(1),
        /** The environment variable holding the client secret; omit for a public client. */
        clientSecretEnv: z.string().min(1).optional(),
        scopes: z.array(z.string().min(1)).default(['openid', 'profile', 'email']),
      })
      .strict()
      .optional(),
    /** Members of these groups (or of groups below them) are admins. `platform` reads `group:default/platform`. */
    admins: groupRefs.default([]),
    /** Who reads the catalog and service views: `signed-in` (everyone), or `{groups: [...]}` (those, and owners). */
    read: z.union([z.literal('signed-in'), z.object({ groups: groupRefs }).strict()]).default('signed-in'),
    /** Who reads pod logs and events: the service's `owners` (default) or every `readers`. */
    logs: z.enum(['owners', 'readers']).default('owners'),
    sessionHours: z
      .number()
      .positive()
      .max(24 * 30)
      .default(12),
    /**
     * Per-user Kubernetes identity. `off` (default): every signed-in reader sees what Portolan's
     * own identity sees, as the permission table allows. `subjectAccessReview`: each cluster is
     * asked (as Portolan) whether the user may read or change what a request touches; what they
     * may not is left out and named, and a write they may not do is refused before any change.
     */
    kubernetes: z
      .object({
        identity: z.enum(['off', 'subjectAccessReview']).default('off'),
        /** The Kubernetes user name: the catalog User's `email` (spec.profile.email) or its `name`. */
        username: z.enum(['email', 'name']).default('email'),
        /** Put before the user name, as the cluster's authenticator does (e.g. `oidc:`). */
        usernamePrefix: z.string().max(100).default(''),
        /** The user's catalog groups (and the groups above them) as Kubernetes groups, or `none`. */
        groups: z.enum(['catalog', 'none']).default('catalog'),
        groupPrefix: z.string().max(100).default(''),
        /** How long a cluster's answer is used; streams re-check this often. */
        cacheSeconds: z.number().int().min(1).max(600).default(30),
        /** Answers kept at most (least recently used go first). */
        cacheSize: z.number().int().min(100).max(1_000_000).default(10_000),
      })
      .strict()
      .optional(),
    /** The longest life a personal API token may be given. */
    tokenMaxDays: z.number().int().min(1).max(3650).default(365),
  })
  .strict();

export type AuthConfig = z.infer<typeof authConfigSchema>;
