// The `kubernetes:` section of the portal config file. Secrets never appear here: a token is
// named by the environment variable that holds it.
import { type WatchNamespaces, watchNamespacesProblem } from '@portolan/core/services/index';
import { z } from 'zod';

/**
 * Where a cluster is watched: `all` (cluster-wide LIST+WATCH, needs a ClusterRole), `catalog`
 * (the namespaces the catalog's services name, followed as the catalog changes) or a list of
 * namespaces; both namespaced forms need only Roles in those namespaces.
 */
export const watchNamespacesSchema = z
  .union([z.string(), z.array(z.string()).readonly()], {
    error: 'use "all" (cluster-wide), "catalog" (the catalog services\' namespaces) or a list of namespaces',
  })
  .superRefine((value, ctx) => {
    if (typeof value === 'string' && value !== 'all' && value !== 'catalog') {
      ctx.addIssue({
        code: 'custom',
        message: `"${value}" is not a scope: use "all" (cluster-wide), "catalog" (the catalog services' namespaces) or a list of namespaces`,
      });
      return;
    }
    const problem = watchNamespacesProblem(value as WatchNamespaces);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform((value) => value as WatchNamespaces)
  .default('all');

const clusterAuthSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('token'),
      /** Name of the environment variable holding the bearer token. */
      tokenEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'),
    })
    .strict(),
  z
    .object({
      type: z.literal('kubeconfig'),
      /** Context to use from the kubeconfig (default: its current context). */
      context: z.string().optional(),
      /** Kubeconfig file, relative to the config file (default: KUBECONFIG or ~/.kube/config). */
      path: z.string().optional(),
    })
    .strict(),
  z.object({ type: z.literal('serviceAccount') }).strict(),
]);

export const clusterConfigSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-zA-Z0-9]([-a-zA-Z0-9_.]{0,61}[a-zA-Z0-9])?$/, 'a DNS-label-like cluster name'),
    /** API server URL; optional for kubeconfig and serviceAccount auth, which carry their own. */
    url: z.url().optional(),
    caData: z.string().optional(),
    /** CA bundle file, relative to the config file. */
    caFile: z.string().optional(),
    skipTLSVerify: z.boolean().default(false),
    /**
     * Allow credentials over a plain `http://` URL (anyone on the network can read them).
     * Without it such a cluster is refused; with it, a warning is logged at every load.
     */
    insecureAllowHttp: z.boolean().default(false),
    auth: clusterAuthSchema,
    /**
     * The identity deploys write with (get and patch on Deployments, StatefulSets and DaemonSets;
     * see deploy/kubernetes/portolan-deployer.yaml), never the read-only watch identity. Without
     * it, deploys to this cluster are refused.
     */
    deploy: clusterAuthSchema.optional(),
    region: z.string().optional(),
    /** Where this cluster is watched: cluster-wide (`all`, the default) or namespaced. */
    namespaces: watchNamespacesSchema,
    labels: z.record(z.string(), z.string()).default({}),
    /**
     * Link template for the cluster's dashboard; `{{namespace}}`, `{{name}}`, `{{kind}}` and
     * `{{cluster}}` are replaced (URL-encoded).
     */
    dashboardUrl: z.string().optional(),
  })
  .strict()
  .refine((c) => c.url !== undefined || c.auth.type !== 'token', {
    message: 'url is required with token auth',
    path: ['url'],
  });

export const kubernetesConfigSchema = z
  .object({
    clusters: z.array(clusterConfigSchema).default([]),
    /**
     * Kubeconfig contexts to add as clusters. When no clusters are configured at all, the user's
     * kubeconfig (honouring KUBECONFIG) is used with every context.
     */
    kubeconfig: z
      .object({
        path: z.string().optional(),
        contexts: z.array(z.string()).optional(),
        /** Region per context name, when neither the name nor an extension says it. */
        regions: z.record(z.string(), z.string()).optional(),
        /** Contexts whose credentials may go over plain `http://` (see the cluster setting). */
        insecureAllowHttp: z.array(z.string()).default([]),
        /** The context whose identity deploys write with, per context (the `deploy:` of a cluster). */
        deployContexts: z.record(z.string(), z.string()).optional(),
        /** Where each context is watched (the `namespaces:` of a cluster); default cluster-wide. */
        namespaces: z.record(z.string(), watchNamespacesSchema).optional(),
      })
      .strict()
      .optional(),
    /** Events kept per cluster (most recent). */
    maxEventsPerCluster: z.number().int().positive().default(2000),
    /** Events older than this are dropped from the cache. */
    eventMaxAgeSeconds: z.number().int().positive().default(3600),
    /** Extra label keys to index, for label-selector annotations that use other labels. */
    indexLabels: z.array(z.string()).default([]),
    /** Page size for LIST requests. */
    listPageSize: z.number().int().positive().default(500),
    /** Coalescing window for service streams. */
    streamDebounceMs: z.number().int().nonnegative().default(150),
    /**
     * Pods per workload per cluster a service view lists by default (those needing attention
     * first; the rest are counted). `?pods=all` on the routes lifts it.
     */
    maxPodsPerWorkload: z.number().int().positive().default(50),
    /** Heartbeat interval for SSE streams. */
    heartbeatSeconds: z.number().positive().default(15),
    /** How often each cluster's pod metrics (metrics.k8s.io) are read; never per page view. */
    metricsIntervalSeconds: z.number().positive().default(30),
  })
  .strict();

export type KubernetesConfig = z.infer<typeof kubernetesConfigSchema>;
export type KubernetesConfigInput = z.input<typeof kubernetesConfigSchema>;
export type ClusterConfig = z.infer<typeof clusterConfigSchema>;
