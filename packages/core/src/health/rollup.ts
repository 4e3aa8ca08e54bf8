import { SEVERITY_RANK } from './snapshot.ts';
import type { Finding, ObjectRef, Severity } from './types.ts';

export interface SeverityCounts {
  critical: number;
  warning: number;
  info: number;
}

export interface FindingsSummary extends SeverityCounts {
  total: number;
  /** The worst severity present, or undefined when there are no findings. */
  worst?: Severity;
  byRule: Record<string, SeverityCounts & { total: number }>;
}

export interface FindingsDiff {
  appeared: Finding[];
  cleared: Finding[];
  /** Same id in both, with a different severity, summary or count. */
  changed: Finding[];
}

/** What a stream pushes between two evaluations, matched by finding id. */
export function diffFindings(before: readonly Finding[], after: readonly Finding[]): FindingsDiff {
  const old = new Map(before.map((f) => [f.id, f]));
  const seen = new Set<string>();
  const appeared: Finding[] = [];
  const changed: Finding[] = [];
  for (const f of after) {
    seen.add(f.id);
    const prev = old.get(f.id);
    if (!prev) appeared.push(f);
    else if (prev.severity !== f.severity || prev.summary !== f.summary || prev.count !== f.count)
      changed.push(f);
  }
  const cleared = before.filter((f) => !seen.has(f.id));
  return { appeared, cleared, changed };
}

export function emptyCounts(): SeverityCounts {
  return { critical: 0, warning: 0, info: 0 };
}

/** Counts by severity and by rule. */
export function summarizeFindings(findings: readonly Finding[]): FindingsSummary {
  const s: FindingsSummary = { ...emptyCounts(), total: 0, byRule: {} };
  for (const f of findings) {
    s[f.severity]++;
    s.total++;
    let r = s.byRule[f.rule];
    if (!r) {
      r = { ...emptyCounts(), total: 0 };
      s.byRule[f.rule] = r;
    }
    r[f.severity]++;
    r.total++;
  }
  const worst = worstSeverity(findings);
  if (worst) s.worst = worst;
  return s;
}

export function worstSeverity(findings: readonly Finding[]): Severity | undefined {
  let worst: Severity | undefined;
  for (const f of findings) {
    if (!worst || SEVERITY_RANK[f.severity] < SEVERITY_RANK[worst]) worst = f.severity;
    if (worst === 'critical') break;
  }
  return worst;
}

export function severityAtLeast(severity: Severity, minimum: Severity): boolean {
  return SEVERITY_RANK[severity] <= SEVERITY_RANK[minimum];
}

export interface FindingsFilter {
  cluster?: string;
  namespace?: string;
  /** Only this severity... */
  severity?: Severity;
  /** ...or this severity and worse. */
  minSeverity?: Severity;
  rule?: string;
}

export function filterFindings(findings: readonly Finding[], filter: FindingsFilter): Finding[] {
  return findings.filter(
    (f) =>
      (filter.cluster === undefined || f.object.cluster === filter.cluster) &&
      (filter.namespace === undefined || f.object.namespace === filter.namespace) &&
      (filter.severity === undefined || f.severity === filter.severity) &&
      (filter.minSeverity === undefined || severityAtLeast(f.severity, filter.minSeverity)) &&
      (filter.rule === undefined || f.rule === filter.rule),
  );
}

export interface RollUp<K extends string = string> extends SeverityCounts {
  key: K;
  total: number;
  worst?: Severity;
  findings: Finding[];
}

/**
 * Groups findings under a key (a workload, service, system, team: whatever `keyOf` maps an
 * object to; undefined drops the finding) and orders the groups worst first: most critical,
 * then most warnings, then most info, then by key.
 */
export function rollUp<K extends string>(
  findings: readonly Finding[],
  keyOf: (f: Finding) => K | K[] | undefined,
): RollUp<K>[] {
  const groups = new Map<K, RollUp<K>>();
  for (const f of findings) {
    const keys = keyOf(f);
    if (keys === undefined) continue;
    for (const key of Array.isArray(keys) ? keys : [keys]) {
      let g = groups.get(key);
      if (!g) {
        g = { key, ...emptyCounts(), total: 0, findings: [] };
        groups.set(key, g);
      }
      g[f.severity]++;
      g.total++;
      g.findings.push(f);
      if (!g.worst || SEVERITY_RANK[f.severity] < SEVERITY_RANK[g.worst]) g.worst = f.severity;
    }
  }
  return [...groups.values()].sort(compareWorstFirst);
}

export function compareWorstFirst(
  a: SeverityCounts & { key: string },
  b: SeverityCounts & { key: string },
): number {
  return (
    b.critical - a.critical ||
    b.warning - a.warning ||
    b.info - a.info ||
    (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
  );
}

export function workloadKey(ref: ObjectRef): string {
  return `${ref.cluster}/${ref.namespace}/${ref.kind}/${ref.name}`;
}

/** Findings per object (a rolled-up pod finding sits on its workload). */
export function rollUpByObject(findings: readonly Finding[]): RollUp[] {
  return rollUp(findings, (f) => workloadKey(f.object));
}

/** Counts by severity and rule plus the worst groups first: the fleet summary. */
export function fleetSummary(
  findings: readonly Finding[],
  serviceOf: (f: Finding) => string | string[] | undefined,
  top = 20,
): { summary: FindingsSummary; worstServices: Omit<RollUp, 'findings'>[] } {
  return {
    summary: summarizeFindings(findings),
    worstServices: rollUp(findings, serviceOf)
      .slice(0, top)
      .map(({ findings: _omit, ...rest }) => rest),
  };
}
