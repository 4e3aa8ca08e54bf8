// The deploy identity of each cluster: a client over the cluster's `deploy:` auth, separate from
// the read-only identity the watch uses. A cluster without one cannot be deployed to.
import { ForbiddenError } from '@portolan/core/errors';
import { KubeConfigClient, type WorkloadClient } from '../kubernetes/client.ts';
import { type ClusterSpec, resolveClusters } from '../kubernetes/clusters.ts';
import {
  type KubernetesConfig,
  type KubernetesConfigInput,
  kubernetesConfigSchema,
} from '../kubernetes/config.ts';

export type DeployWriters = (cluster: string) => WorkloadClient;

export interface DeployIdentitiesOptions {
  config: KubernetesConfig | KubernetesConfigInput;
  configDir: string;
  env?: NodeJS.ProcessEnv;
  /** Build the client from the deploy identity's connection (tests and the simulated fleet inject). */
  clientFactory?: (
    spec: ClusterSpec & { deployKubeConfig: NonNullable<ClusterSpec['deployKubeConfig']> },
  ) => WorkloadClient;
}

/** Writers per cluster, resolved once, on first use. */
export function deployIdentities(
  options: DeployIdentitiesOptions,
): DeployWriters & { close(): Promise<void> } {
  let clients: Map<string, WorkloadClient | undefined> | undefined;
  const factory = options.clientFactory ?? ((spec) => new KubeConfigClient(spec.deployKubeConfig));
  const load = () => {
    const config = kubernetesConfigSchema.parse(options.config);
    const specs = resolveClusters(config, {
      configDir: options.configDir,
      ...(options.env ? { env: options.env } : {}),
    });
    return new Map(
      specs.map((s) => [
        s.name,
        s.deployKubeConfig ? factory({ ...s, deployKubeConfig: s.deployKubeConfig }) : undefined,
      ]),
    );
  };
  const writers = (cluster: string): WorkloadClient => {
    clients ??= load();
    const client = clients.get(cluster);
    if (!client)
      throw new ForbiddenError(
        `cluster ${cluster} has no deploy identity: add a "deploy:" auth block to it in the kubernetes config`,
        { cluster },
      );
    return client;
  };
  return Object.assign(writers, {
    async close() {
      for (const c of clients?.values() ?? [])
        await (c as { close?: () => Promise<void> } | undefined)?.close?.();
    },
  });
}
