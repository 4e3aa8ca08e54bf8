// The cluster registry: turn the `kubernetes:` config into one KubeConfig per cluster, each with
// its region, labels and dashboard link. A fingerprint per cluster lets reload() restart only the
// clusters whose connection settings changed.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { InputError } from '@portolan/core';
import type { WatchNamespaces } from '@portolan/core/services/index';
import { parse } from 'yaml';
import type { Logger } from '../log.ts';
import type { ClusterConfig, KubernetesConfig } from './config.ts';

export interface ClusterSpec {
  name: string;
  region?: string;
  labels: Record<string, string>;
  dashboardUrl?: string;
  /** Where it is watched (absent: cluster-wide). */
  namespaces?: WatchNamespaces;
  url: string;
  kubeConfig: KubeConfig;
  /** The deploy identity's connection (the cluster's `deploy:` auth), when configured. */
  deployKubeConfig?: KubeConfig;
  /** Changes when anything that affects the connection changes. */
  fingerprint: string;
}

export interface ResolveOptions {
  configDir: string;
  env?: NodeJS.ProcessEnv;
  /** Told about settings that work but are unsafe (credentials over plain HTTP). */
  logger?: Pick<Logger, 'warn'>;
}

/**
 * The client library sends a bearer token over plain `http://` when `skipTLSVerify` is set.
 * Credentials go over plain HTTP only where the config says so by name, and then with a warning.
 */
function checkPlainHttp(name: string, kc: KubeConfig, allowed: boolean, opts: ResolveOptions): void {
  const server = kc.getCurrentCluster()?.server ?? '';
  if (!/^http:/i.test(server)) return;
  const user = kc.getCurrentUser();
  const sends =
    !!user &&
    !!(
      user.token ||
      user.authProvider ||
      user.exec ||
      user.password ||
      (user as { tokenFile?: string }).tokenFile
    );
  if (!sends) return;
  if (!allowed) {
    throw new InputError(
      `cluster ${name}: refusing to send credentials over plain http:// (${server}); use https://, or set insecureAllowHttp for this cluster if the network is trusted`,
    );
  }
  opts.logger?.warn(
    { cluster: name, url: server },
    'sending cluster credentials over plain http://, as insecureAllowHttp allows',
  );
}

const REGION_HINT =
  /(?:^|[-_.])((?:us|eu|ap|sa|ca|me|af|il|mx|asia|europe|australia|northamerica|southamerica|uk|in)(?:-[a-z]+)*-\d+)(?:$|[-_.])/;

/** A region from a context or cluster name such as `prod-eu-west-1-a` or `asia-1-portolan`. */
export function regionFromName(name: string): string | undefined {
  return REGION_HINT.exec(name.toLowerCase())?.[1];
}

function absolute(path: string, dir: string): string {
  const expanded = path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
  return isAbsolute(expanded) ? expanded : resolve(dir, expanded);
}

function fingerprint(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

/** The kubeconfig files the user's default config reads (KUBECONFIG, else ~/.kube/config). */
function defaultKubeconfigPaths(env: NodeJS.ProcessEnv): string[] {
  if (env.KUBECONFIG) return env.KUBECONFIG.split(delimiter).filter((p) => p !== '');
  return [join(homedir(), '.kube', 'config')];
}

/** Regions declared as kubeconfig cluster extensions: `extensions: [{name, extension: {region}}]`. */
function extensionRegions(paths: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of paths) {
    let doc: unknown;
    try {
      doc = parse(readFileSync(p, 'utf8'));
    } catch {
      continue;
    }
    const clusters =
      (doc as { clusters?: { name?: string; cluster?: { extensions?: unknown[] } }[] })?.clusters ?? [];
    for (const c of clusters) {
      for (const ext of c.cluster?.extensions ?? []) {
        const region = (ext as { extension?: { region?: unknown } })?.extension?.region;
        if (c.name && typeof region === 'string' && !out.has(c.name)) out.set(c.name, region);
      }
    }
  }
  return out;
}

function loadKubeconfig(
  path: string | undefined,
  dir: string,
  env: NodeJS.ProcessEnv,
): { kc: KubeConfig; paths: string[] } {
  const kc = new KubeConfig();
  if (path) {
    const abs = absolute(path, dir);
    kc.loadFromFile(abs);
    return { kc, paths: [abs] };
  }
  const paths = defaultKubeconfigPaths(env);
  if (paths.length === 1) kc.loadFromFile(paths[0]!);
  else kc.loadFromDefault();
  return { kc, paths };
}

function forContext(kc: KubeConfig, context: string): KubeConfig {
  const ctx = kc.getContextObject(context);
  if (!ctx) throw new InputError(`kubeconfig has no context "${context}"`);
  const cluster = kc.getCluster(ctx.cluster);
  const user = kc.getUser(ctx.user);
  if (!cluster) throw new InputError(`context "${context}" names unknown cluster "${ctx.cluster}"`);
  const one = new KubeConfig();
  one.loadFromOptions({
    clusters: [cluster],
    users: user ? [user] : [],
    contexts: [{ name: context, cluster: cluster.name, user: user?.name ?? '' }],
    currentContext: context,
  });
  return one;
}

function fromClusterConfig(c: ClusterConfig, opts: ResolveOptions): ClusterSpec {
  const env = opts.env ?? process.env;
  let kc: KubeConfig;
  let secretPart: string | undefined;
  switch (c.auth.type) {
    case 'token': {
      const token = env[c.auth.tokenEnv];
      if (!token)
        throw new InputError(`cluster ${c.name}: environment variable ${c.auth.tokenEnv} is not set`);
      secretPart = fingerprint(token);
      kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [
          {
            name: c.name,
            server: c.url!,
            ...(c.caData ? { caData: c.caData } : {}),
            ...(c.caFile ? { caFile: absolute(c.caFile, opts.configDir) } : {}),
            skipTLSVerify: c.skipTLSVerify,
          },
        ],
        users: [{ name: c.name, token }],
        contexts: [{ name: c.name, cluster: c.name, user: c.name }],
        currentContext: c.name,
      });
      break;
    }
    case 'kubeconfig': {
      const { kc: full } = loadKubeconfig(c.auth.path, opts.configDir, env);
      kc = forContext(full, c.auth.context ?? full.getCurrentContext());
      break;
    }
    case 'serviceAccount':
      if (!env.KUBERNETES_SERVICE_HOST) {
        throw new InputError(
          `cluster ${c.name}: serviceAccount auth works only inside a pod (KUBERNETES_SERVICE_HOST is not set)`,
        );
      }
      kc = new KubeConfig();
      kc.loadFromCluster();
      break;
  }
  const cluster = kc.getCurrentCluster()!;
  if (c.url || c.caData || c.caFile || c.skipTLSVerify) {
    // Explicit settings override what the kubeconfig or the pod environment say.
    const user = kc.getCurrentUser();
    const merged = new KubeConfig();
    merged.loadFromOptions({
      clusters: [
        {
          ...cluster,
          name: c.name,
          server: c.url ?? cluster.server,
          ...(c.caData ? { caData: c.caData } : {}),
          ...(c.caFile ? { caFile: absolute(c.caFile, opts.configDir) } : {}),
          skipTLSVerify: c.skipTLSVerify || cluster.skipTLSVerify,
        },
      ],
      users: user ? [user] : [],
      contexts: [{ name: c.name, cluster: c.name, user: user?.name ?? '' }],
      currentContext: c.name,
    });
    kc = merged;
  }
  checkPlainHttp(c.name, kc, c.insecureAllowHttp, opts);
  const region = c.region ?? regionFromName(c.name);
  const spec: ClusterSpec = {
    name: c.name,
    labels: c.labels,
    url: kc.getCurrentCluster()!.server,
    kubeConfig: kc,
    fingerprint: fingerprint({
      cluster: kc.getCurrentCluster(),
      user: kc.getCurrentUser(),
      secretPart,
    }),
  };
  if (region) spec.region = region;
  if (c.dashboardUrl) spec.dashboardUrl = c.dashboardUrl;
  if (c.namespaces !== 'all') spec.namespaces = c.namespaces;
  if (c.deploy)
    spec.deployKubeConfig = fromClusterConfig({ ...c, auth: c.deploy, deploy: undefined }, opts).kubeConfig;
  return spec;
}

/** Resolve every configured cluster. Errors name the cluster; one bad entry fails the load. */
export function resolveClusters(config: KubernetesConfig, opts: ResolveOptions): ClusterSpec[] {
  const env = opts.env ?? process.env;
  const specs: ClusterSpec[] = config.clusters.map((c) => fromClusterConfig(c, opts));
  const useKubeconfig = config.kubeconfig !== undefined || config.clusters.length === 0;
  if (useKubeconfig) {
    const { kc, paths } = loadKubeconfig(config.kubeconfig?.path, opts.configDir, env);
    const regions = extensionRegions(paths);
    const wanted = config.kubeconfig?.contexts ?? kc.getContexts().map((c) => c.name);
    for (const name of wanted) {
      if (specs.some((s) => s.name === name)) continue;
      const one = forContext(kc, name);
      checkPlainHttp(name, one, config.kubeconfig?.insecureAllowHttp.includes(name) ?? false, opts);
      const ctx = kc.getContextObject(name)!;
      const region = config.kubeconfig?.regions?.[name] ?? regionFromName(name) ?? regions.get(ctx.cluster);
      const spec: ClusterSpec = {
        name,
        labels: {},
        url: one.getCurrentCluster()!.server,
        kubeConfig: one,
        fingerprint: fingerprint({ cluster: one.getCurrentCluster(), user: one.getCurrentUser() }),
      };
      if (region) spec.region = region;
      const namespaces = config.kubeconfig?.namespaces?.[name];
      if (namespaces !== undefined && namespaces !== 'all') spec.namespaces = namespaces;
      const deployContext = config.kubeconfig?.deployContexts?.[name];
      if (deployContext) {
        const deployKc = forContext(kc, deployContext);
        checkPlainHttp(
          name,
          deployKc,
          config.kubeconfig?.insecureAllowHttp.includes(deployContext) ?? false,
          opts,
        );
        spec.deployKubeConfig = deployKc;
      }
      specs.push(spec);
    }
  }
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.name)) throw new InputError(`cluster "${s.name}" is configured twice`);
    seen.add(s.name);
  }
  return specs;
}

/** Fill a dashboard link template; every value is URL-encoded (they come from cluster objects). */
export function dashboardLink(
  template: string | undefined,
  values: { cluster: string; namespace?: string; name?: string; kind?: string },
): string | undefined {
  if (!template) return undefined;
  return template.replace(/\{\{\s*(cluster|namespace|name|kind)\s*\}\}/g, (_, key: keyof typeof values) =>
    encodeURIComponent(values[key] ?? ''),
  );
}
