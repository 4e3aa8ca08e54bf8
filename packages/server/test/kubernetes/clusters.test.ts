import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashboardLink, regionFromName, resolveClusters } from '../../src/kubernetes/clusters.ts';
import { kubernetesConfigSchema } from '../../src/kubernetes/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'portolan-clusters-'));
const kubeconfig = join(dir, 'kubeconfig.yaml');
writeFileSync(
  kubeconfig,
  `apiVersion: v1
kind: Config
clusters:
  - name: c1
    cluster:
      server: https://one.example:6443
      extensions:
        - name: portolan.dev/region
          extension: { region: north-pole }
  - name: c2
    cluster: { server: https://two.example:6443 }
users:
  - name: u
    user: { token: secret-token }
contexts:
  - name: prod-eu-west-1
    context: { cluster: c2, user: u }
  - name: plain
    context: { cluster: c1, user: u }
current-context: plain
`,
);

describe('resolveClusters', () => {
  it('uses every kubeconfig context when no clusters are configured, with regions from name or extension', () => {
    const specs = resolveClusters(kubernetesConfigSchema.parse({}), {
      configDir: dir,
      env: { KUBECONFIG: kubeconfig },
    });
    expect(specs.map((s) => [s.name, s.url, s.region])).toEqual([
      ['prod-eu-west-1', 'https://two.example:6443', 'eu-west-1'],
      ['plain', 'https://one.example:6443', 'north-pole'],
    ]);
  });

  it('reads a token from the named environment variable, never from the file', () => {
    const config = kubernetesConfigSchema.parse({
      clusters: [
        {
          name: 'a',
          url: 'https://a.example',
          auth: { type: 'token', tokenEnv: 'A_TOKEN' },
          region: 'r',
          labels: { env: 'prod' },
        },
      ],
    });
    const [spec] = resolveClusters(config, { configDir: dir, env: { A_TOKEN: 't0' } });
    expect(spec).toMatchObject({ name: 'a', region: 'r', labels: { env: 'prod' }, url: 'https://a.example' });
    expect(spec?.kubeConfig.getCurrentUser()?.token).toBe('t0');
    const [rotated] = resolveClusters(config, { configDir: dir, env: { A_TOKEN: 't1' } });
    expect(rotated?.fingerprint).not.toBe(spec?.fingerprint);
    expect(() => resolveClusters(config, { configDir: dir, env: {} })).toThrow(/A_TOKEN is not set/);
  });

  it('resolves kubeconfig auth with a path relative to the config file and picks contexts', () => {
    const config = kubernetesConfigSchema.parse({
      clusters: [
        { name: 'x', auth: { type: 'kubeconfig', path: 'kubeconfig.yaml', context: 'prod-eu-west-1' } },
      ],
      kubeconfig: { path: 'kubeconfig.yaml', contexts: ['plain'] },
    });
    const specs = resolveClusters(config, { configDir: dir, env: {} });
    expect(specs.map((s) => [s.name, s.url])).toEqual([
      ['x', 'https://two.example:6443'],
      ['plain', 'https://one.example:6443'],
    ]);
  });

  it('explains serviceAccount auth outside a pod', () => {
    const config = kubernetesConfigSchema.parse({
      clusters: [{ name: 'here', auth: { type: 'serviceAccount' } }],
    });
    expect(() => resolveClusters(config, { configDir: dir, env: {} })).toThrow(/only inside a pod/);
  });

  it('rejects duplicate names and unknown contexts', () => {
    const dup = kubernetesConfigSchema.parse({
      clusters: [
        { name: 'a', url: 'https://a', auth: { type: 'token', tokenEnv: 'T' } },
        { name: 'a', url: 'https://b', auth: { type: 'token', tokenEnv: 'T' } },
      ],
    });
    expect(() => resolveClusters(dup, { configDir: dir, env: { T: 'x' } })).toThrow(/configured twice/);
    const unknown = kubernetesConfigSchema.parse({ kubeconfig: { path: kubeconfig, contexts: ['nope'] } });
    expect(() => resolveClusters(unknown, { configDir: dir })).toThrow(/no context "nope"/);
  });
});

describe('credentials over plain http://', () => {
  const tokenCluster = (extra: Record<string, unknown>) =>
    kubernetesConfigSchema.parse({
      clusters: [
        {
          name: 'lab',
          url: 'http://10.0.0.1:8080',
          skipTLSVerify: true,
          auth: { type: 'token', tokenEnv: 'LAB_TOKEN' },
          ...extra,
        },
      ],
    });

  it('refuses a token cluster on http:// (the client library would send the token in clear)', () => {
    expect(() => resolveClusters(tokenCluster({}), { configDir: dir, env: { LAB_TOKEN: 't' } })).toThrow(
      'cluster lab: refusing to send credentials over plain http:// (http://10.0.0.1:8080); use https://, or set insecureAllowHttp for this cluster if the network is trusted',
    );
  });

  it('allows it when the cluster says insecureAllowHttp, with a warning that names the cluster', () => {
    const warnings: unknown[] = [];
    const [spec] = resolveClusters(tokenCluster({ insecureAllowHttp: true }), {
      configDir: dir,
      env: { LAB_TOKEN: 't' },
      logger: { warn: (fields, message) => warnings.push({ message, ...fields }) },
    });
    expect(spec?.url).toBe('http://10.0.0.1:8080');
    expect(warnings).toEqual([
      {
        message: 'sending cluster credentials over plain http://, as insecureAllowHttp allows',
        cluster: 'lab',
        url: 'http://10.0.0.1:8080',
      },
    ]);
    expect(JSON.stringify(warnings)).not.toContain('"t"');
  });

  it('applies to kubeconfig contexts, allowed by name', () => {
    const plain = join(dir, 'plain-http.yaml');
    writeFileSync(
      plain,
      `apiVersion: v1
kind: Config
clusters:
  - name: h
    cluster: { server: 'http://127.0.0.1:8080', insecure-skip-tls-verify: true }
users:
  - name: u
    user: { token: secret-token }
  - name: anonymous
    user: {}
contexts:
  - name: with-token
    context: { cluster: h, user: u }
  - name: anonymous
    context: { cluster: h, user: anonymous }
current-context: with-token
`,
    );
    expect(() =>
      resolveClusters(kubernetesConfigSchema.parse({ kubeconfig: { path: plain } }), { configDir: dir }),
    ).toThrow(/cluster with-token: refusing to send credentials over plain http:\/\//);
    // Without credentials there is nothing to leak.
    const anonymous = resolveClusters(
      kubernetesConfigSchema.parse({ kubeconfig: { path: plain, contexts: ['anonymous'] } }),
      { configDir: dir },
    );
    expect(anonymous.map((s) => s.name)).toEqual(['anonymous']);
    const allowed = resolveClusters(
      kubernetesConfigSchema.parse({ kubeconfig: { path: plain, insecureAllowHttp: ['with-token'] } }),
      { configDir: dir },
    );
    expect(allowed.map((s) => s.name)).toEqual(['with-token', 'anonymous']);
  });
});

describe('config schema', () => {
  it('rejects a token in place of an environment variable name, and unknown keys', () => {
    expect(
      kubernetesConfigSchema.safeParse({
        clusters: [{ name: 'a', url: 'https://a', auth: { type: 'token', tokenEnv: 'eyJhbGciOi.JIUzI1' } }],
      }).success,
    ).toBe(false);
    expect(kubernetesConfigSchema.safeParse({ clusterz: [] }).success).toBe(false);
  });
});

describe('helpers', () => {
  it('finds regions in names', () => {
    expect(regionFromName('asia-1-portolan')).toBe('asia-1');
    expect(regionFromName('prod-us-east-2-b')).toBe('us-east-2');
    expect(regionFromName('minikube')).toBeUndefined();
  });
  it('fills dashboard links with encoded values', () => {
    expect(
      dashboardLink('https://dash/{{cluster}}/ns/{{namespace}}/{{kind}}/{{name}}', {
        cluster: 'eu 1',
        namespace: 'a/b',
        kind: 'Deployment',
        name: '<x>',
      }),
    ).toBe('https://dash/eu%201/ns/a%2Fb/Deployment/%3Cx%3E');
  });
});
