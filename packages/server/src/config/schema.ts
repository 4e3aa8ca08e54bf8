import { z } from 'zod';
import { authConfigSchema } from '../auth/config.ts';
import { deployConfigSchema } from '../deploy/config.ts';
import { kubernetesConfigSchema } from '../kubernetes/config.ts';
import { LOG_LEVELS } from '../log.ts';

export const locationSchema = z
  .object({
    type: z.enum(['file', 'dir', 'git']),
    /**
     * file: a path or a glob (`services/*.yaml`); dir: a folder searched for catalog-info.yaml;
     * git: a local repository, optionally `path#ref` (default HEAD), read for catalog-info.yaml.
     * Relative to the config file.
     */
    target: z.string().min(1),
    /** What happens to entities this location stops emitting. */
    orphans: z.enum(['delete', 'keep']).default('delete'),
  })
  .strict();
export type LocationConfig = z.infer<typeof locationSchema>;

export const configSchema = z
  .object({
    app: z
      .object({
        title: z.string().default('Portolan'),
        /** Shown in the UI, e.g. to label a simulated fleet. */
        banner: z.string().optional(),
      })
      .strict()
      .prefault({}),
    server: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(7007),
        log: z
          .object({
            /** The portal's log level; LOG_LEVEL in the environment overrides it. */
            level: z.enum(LOG_LEVELS).default('info'),
            /** A line per answered HTTP request (method, path, status, duration), at this level. */
            requests: z.enum(['off', 'debug', 'info']).default('off'),
          })
          .strict()
          .prefault({}),
        /** On SIGTERM: stop accepting, tell event streams to reconnect, and exit within this. */
        shutdownTimeoutSeconds: z.number().positive().default(10),
        /**
         * With several replicas (PostgreSQL): how long the leader's lease lasts unrenewed, so how
         * long work that runs once (catalog refresh) may pause when a leader dies.
         */
        leaderLeaseSeconds: z.number().min(1).default(15),
        /**
         * Host names accepted besides the base URL's (or, without sign-in, besides localhost),
         * e.g. the in-cluster service name that probes use. Any other Host header is refused.
         */
        allowedHosts: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .prefault({}),
    database: z
      .object({
        client: z.enum(['sqlite', 'pg']).default('sqlite'),
        /** SQLite: a file (relative to the config file) or ':memory:'. PostgreSQL: a connection
         * string; `${VAR}` is replaced from the environment so passwords stay out of the file. */
        connection: z.string().default('./data/portolan.sqlite'),
      })
      .strict()
      .prefault({}),
    catalog: z
      .object({
        /** Every location, and every Location entity's target, must stay inside this folder. */
        root: z.string().default('.'),
        refreshIntervalSeconds: z.number().int().min(0).default(60),
        locations: z.array(locationSchema).default([]),
        /**
         * Whether the catalog API may add and remove locations (Backstage's POST/DELETE
         * /locations), for admins (the `catalog.write` permission). Off by default: a location
         * makes the portal read files; when off, those calls answer 403.
         */
        allowLocationWrites: z.boolean().default(false),
        /** `$text`/`$json`/`$yaml` placeholders that name a URL: fetched only from these hosts. */
        placeholders: z
          .object({
            /** `host` or `host:port`; a URL on any other host is kept as a reference, with a warning. */
            allowedHosts: z.array(z.string().min(1)).default([]),
            maxBytes: z
              .number()
              .int()
              .min(1)
              .max(16 * 1024 * 1024)
              .default(1024 * 1024),
            timeoutSeconds: z.number().min(0.1).max(60).default(5),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /** Sign-in and permissions; without this section `serve` is a single-user tool on loopback. */
    auth: authConfigSchema.optional(),
    /** Clusters to watch; without this section the portal shows the catalog only. */
    kubernetes: kubernetesConfigSchema.optional(),
    /** Who may deploy and how (see the README's "Deploys"). */
    deploy: deployConfigSchema.prefault({}),
  })
  .strict();

export type PortolanConfig = z.infer<typeof configSchema>;
