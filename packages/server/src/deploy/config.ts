// The `deploy:` section of the portal config. The write token is named by the environment
// variable that holds it; it never appears in the file.
import { strategySchema } from '@portolan/core/deploy/index';
import { z } from 'zod';

export const deployConfigSchema = z
  .object({
    /**
     * Environment variable holding one shared deploy token (the `deploy-token` subject of the
     * permission policy): whoever sends it as a bearer token may deploy and act on deployments
     * of every service, and nothing more. Personal API tokens of scope `deploy` replace it.
     */
    tokenEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
      .optional(),
    /**
     * Serve everyone as the demo's guest, who may deploy (the demo on a simulated fleet; never on
     * real clusters). Like a portal without sign-in, it listens on loopback only.
     */
    guest: z.boolean().default(false),
    /** The strategy of services whose annotation sets none (default: canary, then region by region). */
    strategy: strategySchema.optional(),
    /** How often the executor looks at a running deployment's clusters. */
    pollIntervalMs: z.number().int().min(50).max(60_000).default(1000),
    /** Record image changes the watch sees that no deployment made, as external deployments. */
    recordExternal: z.boolean().default(true),
    /** How often the watch caches are compared for image changes no deployment made. */
    externalScanSeconds: z.number().int().min(1).max(3600).default(30),
  })
  .strict();

export type DeployConfig = z.infer<typeof deployConfigSchema>;
export type DeployConfigInput = z.input<typeof deployConfigSchema>;
