import type { Condition, KubeObject, ObjectMeta, OwnerReference } from '../k8s/types.ts';
import type { Evidence, ObjectRef } from './types.ts';

/** Milliseconds since the epoch of an RFC 3339 timestamp, or undefined when absent or invalid. */
export function time(value: string | undefined | null): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export function toMillis(now: Date | number): number {
  return typeof now === 'number' ? now : now.getTime();
}

/** "45s", "12m", "3h 5m", "2d 4h". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) {
    const m = Math.floor((s % 3600) / 60);
    return m ? `${Math.floor(s / 3600)}h ${m}m` : `${Math.floor(s / 3600)}h`;
  }
  const h = Math.floor((s % 86400) / 3600);
  return h ? `${Math.floor(s / 86400)}d ${h}h` : `${Math.floor(s / 86400)}d`;
}

export function condition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  if (!Array.isArray(conditions)) return undefined;
  for (const c of conditions) if (c && c.type === type) return c;
  return undefined;
}

export function conditionEvidence(c: Condition | undefined): NonNullable<Evidence['conditions']> {
  if (!c) return [];
  return [{ type: c.type, status: c.status, reason: c.reason, message: c.message }];
}

/** The controlling owner (controller: true), else the first owner. */
export function controllerOf(meta: ObjectMeta | undefined): OwnerReference | undefined {
  const refs = meta?.ownerReferences;
  if (!Array.isArray(refs) || refs.length === 0) return undefined;
  for (const r of refs) if (r?.controller) return r;
  return refs[0];
}

export function nameOf(o: KubeObject | undefined): string {
  return o?.metadata?.name ?? '';
}
export function namespaceOf(o: KubeObject | undefined): string {
  return o?.metadata?.namespace ?? '';
}

/** A number field, or the fallback when absent or not a finite number. */
export function num(value: unknown, fallback = 0): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/**
 * An int-or-percent (maxUnavailable, minAvailable) resolved against a total, rounding as the
 * controllers do: up for surge/minAvailable, down for maxUnavailable.
 */
export function intOrPercent(
  value: number | string | undefined,
  total: number,
  fallback: number | string,
  round: 'up' | 'down',
): number {
  const v = value ?? fallback;
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)%$/.exec(v.trim());
  if (m) {
    const raw = (Number(m[1]) * total) / 100;
    return round === 'up' ? Math.ceil(raw) : Math.floor(raw);
  }
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

export function capitalize(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}

/** The images of a pod template's containers, sorted, for comparing versions. */
export function templateImages(
  template: { spec?: { containers?: { image?: string; name?: string }[] } } | undefined,
): string[] {
  const containers = template?.spec?.containers;
  if (!Array.isArray(containers)) return [];
  return containers.map((c) => `${c?.name ?? ''}=${c?.image ?? ''}`).sort();
}

/** templateImages joined with spaces: one comparable string per pod template. */
export function templateSignature(
  template: { spec?: { containers?: { image?: string; name?: string }[] } } | undefined,
): string {
  const containers = template?.spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) return '';
  // Most templates have one container: skip the array, sort and join.
  if (containers.length === 1) {
    const c = containers[0];
    return `${c?.name ?? ''}=${c?.image ?? ''}`;
  }
  return templateImages(template).join(' ');
}

/** Whether a label selector (matchLabels + matchExpressions) matches a label set. */
export function selectorMatches(
  selector:
    | {
        matchLabels?: Record<string, string>;
        matchExpressions?: { key: string; operator: string; values?: string[] }[];
      }
    | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(l, e.key);
    const val = l[e.key];
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(val!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(val!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** What a finding is about: an object of a kind in a cluster. */
export function refOf(
  cluster: string,
  kind: string,
  o: { metadata?: { namespace?: string; name?: string } },
): ObjectRef {
  return { cluster, namespace: o.metadata?.namespace ?? '', kind, name: o.metadata?.name ?? '' };
}
