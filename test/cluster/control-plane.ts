// The command lines of one test cluster's control plane, and the checks that it serves.
// Every server listens on 127.0.0.1 only. The controller-manager and scheduler serve no port of
// their own (--secure-port=0): the fleet checks them through what they do (pods get scheduled,
// ReplicaSets appear), which is what tests care about.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { FleetCluster } from './state.ts';

/** Paths of one cluster's files inside the fleet folder. */
export function clusterFiles(clusterDir: string) {
  return {
    dir: clusterDir,
    servingCert: join(clusterDir, 'apiserver.crt'),
    servingKey: join(clusterDir, 'apiserver.key'),
    saPublicKey: join(clusterDir, 'sa.pub'),
    saPrivateKey: join(clusterDir, 'sa.key'),
    tokenFile: join(clusterDir, 'tokens.csv'),
    kwokConfig: join(clusterDir, 'kwok.yaml'),
    kwokCert: join(clusterDir, 'kwok.crt'),
    kwokKey: join(clusterDir, 'kwok.key'),
    logsDir: join(clusterDir, 'pod-logs'),
    kubeconfigFor: (component: string) => join(clusterDir, `${component}.kubeconfig`),
    logFor: (component: string) => join(clusterDir, `${component}.log`),
  };
}
export type ClusterFiles = ReturnType<typeof clusterFiles>;

/**
 * The identities of the static token file. The controller-manager and scheduler use the users the
 * default RBAC policy grants their permissions to; kwok plays every kubelet and runs as an admin.
 */
export const IDENTITIES = {
  admin: { user: 'fleet-admin', groups: ['system:masters'] },
  portolan: { user: 'portolan', groups: [] },
  'portolan-limited': { user: 'portolan-limited', groups: [] },
  'kube-controller-manager': { user: 'system:kube-controller-manager', groups: [] },
  'kube-scheduler': { user: 'system:kube-scheduler', groups: [] },
  kwok: { user: 'kwok', groups: ['system:masters'] },
} as const;
export type Identity = keyof typeof IDENTITIES;

export function writeTokenFile(path: string, tokens: Record<Identity, string>): void {
  const lines = Object.entries(IDENTITIES).map(([identity, { user, groups }]) => {
    const token = tokens[identity as Identity];
    return groups.length > 0 ? `${token},${user},${user},"${groups.join(',')}"` : `${token},${user},${user}`;
  });
  writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o600 });
}

/** A kubeconfig for one component of one cluster (JSON is valid kubeconfig YAML). */
export function writeComponentKubeconfig(path: string, server: string, caFile: string, token: string): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'fleet', cluster: { server, 'certificate-authority': caFile } }],
    users: [{ name: 'component', user: { token } }],
    contexts: [{ name: 'fleet', context: { cluster: 'fleet', user: 'component' } }],
    'current-context': 'fleet',
  };
  writeFileSync(path, JSON.stringify(config, null, 2), { mode: 0o600 });
}

export function etcdArgs(options: { dataDir: string; clientPort: number; peerPort: number }): string[] {
  const client = `http://127.0.0.1:${options.clientPort}`;
  const peer = `http://127.0.0.1:${options.peerPort}`;
  return [
    '--name=fleet',
    `--data-dir=${options.dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=fleet=${peer}`,
    // Test data: durability across a machine crash is not worth an fsync per write.
    '--unsafe-no-fsync=true',
    '--quota-backend-bytes=8589934592',
    '--log-level=warn',
  ];
}

export function apiserverArgs(options: {
  cluster: FleetCluster;
  files: ClusterFiles;
  etcdUrl: string;
  caFile: string;
}): string[] {
  const { cluster, files } = options;
  return [
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${cluster.apiserverPort}`,
    `--tls-cert-file=${files.servingCert}`,
    `--tls-private-key-file=${files.servingKey}`,
    `--client-ca-file=${options.caFile}`,
    `--etcd-servers=${options.etcdUrl}`,
    `--etcd-prefix=${cluster.etcdPrefix}`,
    `--token-auth-file=${files.tokenFile}`,
    '--authorization-mode=RBAC',
    '--anonymous-auth=false',
    `--service-account-issuer=https://${cluster.name}.fleet.portolan.test`,
    `--service-account-key-file=${files.saPublicKey}`,
    `--service-account-signing-key-file=${files.saPrivateKey}`,
    '--service-cluster-ip-range=10.96.0.0/16',
    // The `kubernetes` Service's endpoints may not point at a loopback address, and nothing in
    // the fleet dials the apiserver through the Service, so that reconciler stays off.
    '--endpoint-reconciler-type=none',
    '--profiling=false',
    // pods/log, exec and port-forward go to the node's kubelet: kwok, serving on 127.0.0.1 with a
    // certificate from the fleet CA. Node host names do not resolve, so dial the InternalIP.
    '--kubelet-preferred-address-types=InternalIP',
    `--kubelet-certificate-authority=${options.caFile}`,
  ];
}

export function controllerManagerArgs(options: {
  cluster: FleetCluster;
  files: ClusterFiles;
  caFile: string;
}) {
  const { cluster, files } = options;
  return [
    `--kubeconfig=${files.kubeconfigFor('kube-controller-manager')}`,
    '--bind-address=127.0.0.1',
    '--secure-port=0',
    '--leader-elect=false',
    `--cluster-name=${cluster.name}`,
    '--use-service-account-credentials=true',
    `--service-account-private-key-file=${files.saPrivateKey}`,
    `--root-ca-file=${options.caFile}`,
    // No metrics API exists in the fleet, so the HPA controller could only overwrite every HPA's
    // status with "failed to get metrics" every 15 s. Without it, HPA status is what tests set
    // through the status subresource (see setHpaStatus in helpers.ts).
    '--controllers=*,-horizontalpodautoscaling',
    '--kube-api-qps=100',
    '--kube-api-burst=200',
  ];
}

export function schedulerArgs(options: { files: ClusterFiles }): string[] {
  return [
    `--kubeconfig=${options.files.kubeconfigFor('kube-scheduler')}`,
    '--bind-address=127.0.0.1',
    '--secure-port=0',
    '--leader-elect=false',
    '--kube-api-qps=100',
    '--kube-api-burst=200',
  ];
}

export function kwokArgs(options: { cluster: FleetCluster; files: ClusterFiles; index: number }): string[] {
  const { files } = options;
  return [
    `--kubeconfig=${files.kubeconfigFor('kwok')}`,
    `--config=${files.kwokConfig}`,
    // kwok's kubelet API (container logs) for every node it plays: nodes advertise 127.0.0.1 and
    // this port, so the apiserver's pods/log reaches it.
    `--server-address=127.0.0.1:${options.cluster.kwokPort}`,
    '--node-ip=127.0.0.1',
    `--node-port=${options.cluster.kwokPort}`,
    `--tls-cert-file=${files.kwokCert}`,
    `--tls-private-key-file=${files.kwokKey}`,
    // Per-pod logs come from kwok `Logs` objects that tests create (see setPodLogs in helpers.ts).
    '--enable-crds=Logs',
    // Only the fleet's own fake nodes; the annotation is set when the fleet creates them.
    '--manage-all-nodes=false',
    '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
    '--node-lease-duration-seconds=40',
    `--cidr=10.${100 + options.index}.0.1/16`,
  ];
}

/** A container log line in the CRI format kwok reads (`<time> stdout F <text>`). */
export const criLogLine = (at: Date, text: string, stream: 'stdout' | 'stderr' = 'stdout') =>
  `${at.toISOString()} ${stream} F ${text}\n`;

/**
 * kwok's configuration: the fleet's stages. No logs are configured for pods in general: a pod's
 * log is an API error (as for a container that never started) until a test gives it one with
 * setPodLogs (helpers.ts), which creates a kwok `Logs` object for that pod.
 */
export function writeKwokConfig(files: ClusterFiles, stagesFile: string): void {
  mkdirSync(files.logsDir, { recursive: true });
  writeFileSync(files.kwokConfig, readFileSync(stagesFile, 'utf8'));
}

/** GET a path on an apiserver with a bearer token; resolves with the status code and body. */
export function apiserverGet(
  server: string,
  path: string,
  options: { ca: string; token: string; timeoutMs?: number },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, server),
      {
        ca: options.ca,
        headers: { authorization: `Bearer ${options.token}` },
        timeout: options.timeoutMs ?? 5000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Waits until the apiserver answers /readyz with 200 (all post-start hooks done, RBAC bootstrapped). */
export async function waitApiserverReady(
  server: string,
  options: { ca: string; token: string; timeoutMs?: number },
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let last = '';
  for (;;) {
    try {
      const res = await apiserverGet(server, '/readyz', options);
      if (res.status === 200) return;
      last = `${res.status} ${res.body.slice(0, 500)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`apiserver ${server} not ready: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
