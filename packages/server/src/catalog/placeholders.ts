// Looks up the values of a descriptor's substitution placeholders (`$text`, `$json`, `$yaml`).
// A relative target is read beside the descriptor through the location's own reader (so it stays
// inside the catalog root, or inside the repository at the same revision). A URL is fetched only
// when its host is allowed by the config, without following redirects, within a size and a time
// limit. Anything that cannot be read becomes a warning and the placeholder is kept as written.
import { type Placeholder, type PlaceholderValue, placeholderKey } from '@portolan/core/catalog/index';
import { expandedBudget, measureExpansion, parseYamlBounded, YAML_LIMITS } from '@portolan/core/yaml/bounded';

export interface PlaceholderConfig {
  /** Hosts (`host` or `host:port`) whose URLs may be fetched; none by default. */
  allowedHosts: string[];
  maxBytes: number;
  timeoutSeconds: number;
}

export const NO_FETCH: PlaceholderConfig = { allowedHosts: [], maxBytes: 1024 * 1024, timeoutSeconds: 5 };

async function fetchLimited(url: URL, config: PlaceholderConfig): Promise<string> {
  const response = await fetch(url, {
    redirect: 'error',
    signal: AbortSignal.timeout(config.timeoutSeconds * 1000),
  });
  if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > config.maxBytes) {
      await response.body.cancel().catch(() => {});
      throw new Error(`larger than ${config.maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The value of a placeholder's text, within the same limits as a descriptor's YAML. */
function decode(kind: Placeholder['kind'], text: string): unknown {
  if (kind === 'text') return text;
  if (kind === 'json') {
    const value: unknown = JSON.parse(text);
    measureExpansion(value, { maxDepth: YAML_LIMITS.maxDepth, maxBytes: expandedBudget(text) });
    return value;
  }
  const documents = parseYamlBounded(text);
  if (documents.length > 1) throw new Error(`has ${documents.length} YAML documents; one is expected`);
  return documents[0] ?? null;
}

const isUrl = (target: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(target);

/** Every placeholder's value, or the warning that says why it was kept as written. */
export async function lookupPlaceholders(
  placeholders: Placeholder[],
  {
    readRelative,
    config,
  }: {
    /** Reads a target relative to the descriptor; throws when it cannot. */
    readRelative: (target: string) => Promise<string>;
    config: PlaceholderConfig;
  },
): Promise<Map<string, PlaceholderValue>> {
  const values = new Map<string, PlaceholderValue>();
  for (const placeholder of placeholders) {
    const key = placeholderKey(placeholder);
    if (values.has(key)) continue;
    const { kind, target } = placeholder;
    const kept = (why: string): PlaceholderValue => ({
      warning: `$${kind} ${target}: ${why}; kept as a reference`,
    });
    let text: string;
    try {
      if (isUrl(target)) {
        const url = new URL(target);
        if (url.protocol !== 'https:' && url.protocol !== 'http:') {
          values.set(key, kept(`${url.protocol} URLs are not read`));
          continue;
        }
        if (!config.allowedHosts.includes(url.host) && !config.allowedHosts.includes(url.hostname)) {
          values.set(key, kept(`not fetched, ${url.host} is not in catalog.placeholders.allowedHosts`));
          continue;
        }
        text = await fetchLimited(url, config);
      } else {
        text = await readRelative(target);
      }
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      values.set(key, kept(e.code === 'ENOENT' ? 'no such file' : e.message.split('\n')[0]!));
      continue;
    }
    try {
      values.set(key, { value: decode(kind, text) });
    } catch (error) {
      values.set(key, kept(`not valid ${kind.toUpperCase()} (${(error as Error).message.split('\n')[0]})`));
    }
  }
  return values;
}
