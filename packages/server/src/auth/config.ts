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
    /** The longest life a personal API token may be given. */
    tokenMaxDays: z.number().int().min(1).max(3650).default(365),
  })
  .strict();

export type AuthConfig = z.infer<typeof authConfigSchema>;
