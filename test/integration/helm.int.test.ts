// The Helm chart: `helm lint` passes, and what `helm template` renders is accepted by a real
// cluster of the test fleet (server-side dry run: the API server validates and admits every
// object, nothing is stored), with a ClusterRole or, in namespaced mode, Roles; the config it
// renders is one the portal loads, and the reader rules are deploy/kubernetes's own.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { loadConfig } from '../../packages/server/src/config/load.ts';
import { binDir } from '../cluster/build.ts';
import { fleetKubeconfigPath } from '../cluster/helpers.ts';
import { helmPath } from '../helm/build.ts';
import { requireFleet, runId } from './kubernetes-support.ts';

const root = join(import.meta.dirname, '..', '..');
const chart = join(root, 'deploy', 'helm', 'portolan');
const namespace = `portolan-helm-${runId}`;
// Unique per run: the fleet already holds deploy/kubernetes's own `portolan-reader` ClusterRole.
const release = `portolan-${runId}`;

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [key: string]: unknown;
}

function helm(args: string[]): { status: number; stdout: string; stderr: string } {
  const bin = process.env.PORTOLAN_HELM ?? helmPath();
  if (!existsSync(bin)) throw new Error(`no helm at ${bin}: build it with \`node test/helm/build.ts\``);
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

function template(...set: string[]): { text: string; objects: Manifest[] } {
  const r = helm(['template', release, chart, '--namespace', namespace, ...set.flatMap((s) => ['--set', s])]);
  if (r.status !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  const objects = parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as Manifest | null)
    .filter((o): o is Manifest => o !== null);
  return { text: r.stdout, objects };
}

function kubectl(context: string, args: string[], input?: string) {
  const bin = join(binDir(), 'kubectl');
  return spawnSync(bin, ['--kubeconfig', fleetKubeconfigPath(), '--context', context, ...args], {
    encoding: 'utf8',
    ...(input !== undefined ? { input } : {}),
  });
}

describe('the Helm chart', () => {
  let cluster: string;

  beforeAll(() => {
    cluster = requireFleet()[0]!;
    const created = kubectl(cluster, ['create', 'namespace', namespace]);
    if (created.status !== 0) throw new Error(created.stderr);
  });
  afterAll(() => {
    if (cluster) kubectl(cluster, ['delete', 'namespace', namespace, '--wait=false']);
  });

  it('passes helm lint, with defaults and in namespaced mode', () => {
    for (const set of [[], ['rbac.namespaced=true', `rbac.namespaces={${namespace}}`]]) {
      const r = helm(['lint', chart, '--strict', ...set.flatMap((s) => ['--set', s])]);
      expect(r.stdout + r.stderr).toContain('1 chart(s) linted, 0 chart(s) failed');
      expect(r.status).toBe(0);
    }
  });

  it('renders objects the real cluster accepts (server-side dry run)', () => {
    const { text, objects } = template();
    expect(objects.map((o) => o.kind).sort()).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'ConfigMap',
      'Deployment',
      'PodDisruptionBudget',
      'Service',
      'ServiceAccount',
    ]);
    const r = kubectl(cluster, ['apply', '--dry-run=server', '-n', namespace, '-f', '-'], text);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const o of objects) {
      expect(r.stdout).toContain(`${o.kind.toLowerCase()}`);
    }
    expect(r.stdout.match(/\(server dry run\)/g)).toHaveLength(objects.length);
  });

  it('in namespaced mode, grants Roles in the namespaces named, which the cluster accepts', () => {
    const { text, objects } = template('rbac.namespaced=true', `rbac.namespaces={${namespace}}`);
    expect(objects.filter((o) => o.kind.startsWith('Cluster'))).toEqual([]);
    expect(
      objects.filter((o) => o.kind === 'Role' || o.kind === 'RoleBinding').map((o) => o.metadata.namespace),
    ).toEqual([namespace, namespace]);
    const r = kubectl(cluster, ['apply', '--dry-run=server', '-n', namespace, '-f', '-'], text);
    expect(r.stderr).toBe('');
    expect(r.stdout.match(/\(server dry run\)/g)).toHaveLength(objects.length);
  });

  it('runs hardened: non-root, read-only root filesystem, probes on /healthz and /readyz, the database URL from a Secret', () => {
    const deployment = template().objects.find((o) => o.kind === 'Deployment') as unknown as {
      spec: { template: { spec: { securityContext: object; containers: Record<string, unknown>[] } } };
    };
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0]!;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.livenessProbe).toMatchObject({ httpGet: { path: '/healthz' } });
    expect(container.readinessProbe).toMatchObject({ httpGet: { path: '/readyz' } });
    expect(container.env).toContainEqual({
      name: 'PORTOLAN_DATABASE_URL',
      valueFrom: { secretKeyRef: { name: 'portolan-database', key: 'url' } },
    });
  });

  it('renders a config the portal loads, listening on every interface, on PostgreSQL from the environment', () => {
    const configMap = template().objects.find((o) => o.kind === 'ConfigMap') as unknown as {
      data: { 'portolan.yaml': string };
    };
    const dir = mkdtempSync(join(tmpdir(), 'portolan-helm-'));
    try {
      writeFileSync(join(dir, 'portolan.yaml'), configMap.data['portolan.yaml']);
      const { config } = loadConfig(join(dir, 'portolan.yaml'), {
        PORTOLAN_DATABASE_URL: 'postgres://u:p@db/portolan',
      });
      expect(config.server).toMatchObject({ host: '0.0.0.0', port: 7007, shutdownTimeoutSeconds: 10 });
      expect(config.database).toEqual({ client: 'pg', connection: 'postgres://u:p@db/portolan' });
      expect(config.kubernetes?.clusters).toEqual([
        expect.objectContaining({ name: 'in-cluster', auth: { type: 'serviceAccount' } }),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('grants exactly the reader rules of deploy/kubernetes/portolan-reader.yaml', () => {
    const role = template().objects.find((o) => o.kind === 'ClusterRole') as unknown as { rules: unknown };
    const reader = parseYaml(
      readFileSync(join(root, 'deploy', 'kubernetes', 'portolan-reader.yaml'), 'utf8').split('\n---\n')[0]!,
    ) as { rules: unknown };
    expect(role.rules).toEqual(reader.rules);
  });

  it('lets the portal ask SubjectAccessReviews only when per-user Kubernetes identity is on', () => {
    const isReview = (o: Manifest) => o.metadata.name.endsWith('-access-review');
    expect(template().objects.filter(isReview)).toEqual([]);
    const on = template('config.auth.kubernetes.identity=subjectAccessReview').objects.filter(isReview);
    expect(on.map((o) => o.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding']);
    const [role, binding] = ['ClusterRole', 'ClusterRoleBinding'].map((k) => on.find((o) => o.kind === k)!);
    const docs = readFileSync(join(root, 'deploy', 'kubernetes', 'portolan-reader.yaml'), 'utf8').split(
      '\n---\n',
    );
    const own = docs
      .map((d) => parseYaml(d) as Manifest & { rules?: unknown })
      .find((d) => d.kind === 'ClusterRole' && d.metadata.name === 'portolan-access-review');
    expect(role!.rules).toEqual(own?.rules);
    expect(binding).toMatchObject({
      roleRef: { kind: 'ClusterRole', name: role!.metadata.name },
      subjects: [{ kind: 'ServiceAccount', namespace }],
    });
  });

  it('in namespaced mode, grants the rules of portolan-reader-namespaced.yaml and watches exactly those namespaces', () => {
    const { objects } = template('rbac.namespaced=true', 'rbac.namespaces={payments,search}');
    const reader = parseYaml(
      readFileSync(join(root, 'deploy', 'kubernetes', 'portolan-reader-namespaced.yaml'), 'utf8').split(
        '\n---\n',
      )[0]!,
    ) as { rules: unknown };
    const roles = objects.filter((o) => o.kind === 'Role') as unknown as { rules: unknown }[];
    expect(roles).toHaveLength(2);
    for (const role of roles) expect(role.rules).toEqual(reader.rules);
    const configMap = objects.find((o) => o.kind === 'ConfigMap') as unknown as {
      data: { 'portolan.yaml': string };
    };
    const dir = mkdtempSync(join(tmpdir(), 'portolan-helm-'));
    try {
      writeFileSync(join(dir, 'portolan.yaml'), configMap.data['portolan.yaml']);
      const { config } = loadConfig(join(dir, 'portolan.yaml'), { PORTOLAN_DATABASE_URL: 'postgres://db/p' });
      expect(config.kubernetes?.clusters).toEqual([
        expect.objectContaining({ name: 'in-cluster', namespaces: ['payments', 'search'] }),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses several replicas on SQLite, and renders a ServiceMonitor when asked', () => {
    const sqlite = helm(['template', 'portolan', chart, '--set', 'database.client=sqlite']);
    expect(sqlite.status).not.toBe(0);
    expect(sqlite.stderr).toContain('several replicas need PostgreSQL');
    const monitor = template('serviceMonitor.enabled=true').objects.find((o) => o.kind === 'ServiceMonitor');
    expect(monitor).toMatchObject({
      apiVersion: 'monitoring.coreos.com/v1',
      spec: { endpoints: [{ port: 'http', path: '/metrics' }] },
    });
    // One replica may use SQLite (with a volume for its file).
    expect(
      execFileSync(
        process.env.PORTOLAN_HELM ?? helmPath(),
        ['template', 'portolan', chart, '--set', 'database.client=sqlite', '--set', 'replicaCount=1'],
        { encoding: 'utf8' },
      ),
    ).toContain('mountPath: /var/lib/portolan');
  });
});
