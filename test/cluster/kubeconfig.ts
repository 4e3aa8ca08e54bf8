// The kubeconfig a running fleet hands to tests and to Portolan: per cluster, four contexts.
//   <cluster>                   admin (group system:masters)
//   <cluster>-portolan          user `portolan`, bound to ClusterRoles portolan-reader and
//                               portolan-access-review
//                               (deploy/kubernetes/portolan-reader.yaml)
//   <cluster>-portolan-limited  user `portolan-limited`: the same role minus horizontalpodautoscalers
//   <cluster>-badtoken          a token the apiserver does not know (every request is 401)
import { readFileSync, writeFileSync } from 'node:fs';
import type { FleetCluster } from './state.ts';

export const CONTEXT_SUFFIXES = ['', '-portolan', '-portolan-limited', '-badtoken'] as const;

export function writeFleetKubeconfig(
  path: string,
  options: { caFile: string; clusters: FleetCluster[] },
): void {
  const caData = readFileSync(options.caFile).toString('base64');
  const clusters = options.clusters.map((c) => ({
    name: c.name,
    cluster: { server: c.server, 'certificate-authority-data': caData },
  }));
  const users = options.clusters.flatMap((c) => [
    { name: `${c.name}-admin`, user: { token: c.tokens.admin } },
    { name: `${c.name}-portolan`, user: { token: c.tokens.portolan } },
    { name: `${c.name}-portolan-limited`, user: { token: c.tokens['portolan-limited'] } },
    { name: `${c.name}-badtoken`, user: { token: c.tokens.bad } },
  ]);
  const contexts = options.clusters.flatMap((c) =>
    CONTEXT_SUFFIXES.map((suffix) => ({
      name: `${c.name}${suffix}`,
      context: {
        cluster: c.name,
        user: `${c.name}${suffix === '' ? '-admin' : suffix}`,
        namespace: 'default',
      },
    })),
  );
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters,
    users,
    contexts,
    'current-context': options.clusters[0]?.name ?? '',
  };
  // JSON is valid YAML, and so a valid kubeconfig for kubectl and every client library.
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
}
