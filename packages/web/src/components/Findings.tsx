import type { EventEvidence, Finding } from '@portolan/core/health/types';
import { useState } from 'react';
import { compareFindings, SEVERITY_CLASS } from '../findings.ts';
import type { LogTarget } from './LogViewer.tsx';

// Rules that describe the same dying container from different angles: read as one finding.
const CONTAINER_RULES = new Set([
  'pod-crash-loop',
  'pod-oom-killed',
  'pod-frequent-restarts',
  'pod-liveness-kill',
]);
// Findings after which the previous container's logs say why it died.
const PREVIOUS_LOG_RULES = new Set([...CONTAINER_RULES, 'pod-init-failure', 'job-failed']);

/** Groups findings about one container under the worst of them; others stay alone. */
export function groupFindings(findings: readonly Finding[]): { main: Finding; related: Finding[] }[] {
  const sorted = [...findings].sort(compareFindings);
  const groups = new Map<string, { main: Finding; related: Finding[] }>();
  const out: { main: Finding; related: Finding[] }[] = [];
  for (const f of sorted) {
    const o = f.object;
    const key = CONTAINER_RULES.has(f.rule)
      ? `${o.cluster}/${o.namespace}/${o.kind}/${o.name}/${f.evidence.container ?? ''}/${f.pods?.[0] ?? ''}`
      : undefined;
    const existing = key ? groups.get(key) : undefined;
    if (existing) existing.related.push(f);
    else {
      const g = { main: f, related: [] };
      if (key) groups.set(key, g);
      out.push(g);
    }
  }
  return out;
}

/** Repeated events (same type, reason, message) shown once, with their total count. */
function mergeEvents(events: readonly EventEvidence[]): EventEvidence[] {
  const byKey = new Map<string, EventEvidence>();
  for (const e of events) {
    const key = `${e.type}/${e.reason}/${e.message}`;
    const seen = byKey.get(key);
    if (seen) seen.count = (seen.count ?? 1) + (e.count ?? 1);
    else byKey.set(key, { ...e, count: e.count ?? 1 });
  }
  return [...byKey.values()];
}

export function workloadAnchor(cluster: string, namespace: string, kind: string, name: string): string {
  return `wl-${cluster}-${namespace}-${kind}-${name}`;
}

/** What is wrong, why, and what to do. Every string here came from a cluster: text only. */
export function Findings({
  findings,
  onLogs,
  containersOf,
}: {
  findings: Finding[];
  onLogs: (target: LogTarget) => void;
  /** The containers of a pod, from the live view, for the log viewer's picker. */
  containersOf: (cluster: string, namespace: string, pod: string) => string[] | undefined;
}) {
  if (findings.length === 0) {
    return <p className="note ok-text">No problems found in any cluster.</p>;
  }
  return (
    <ul className="findings">
      {groupFindings(findings).map(({ main: f, related }) => {
        const o = f.object;
        const pod = o.kind === 'Pod' ? o.name : f.pods?.[0];
        const logs = (previous: boolean): LogTarget | undefined => {
          if (!pod || o.cluster === '*') return undefined;
          const containers = containersOf(o.cluster, o.namespace, pod);
          return {
            cluster: o.cluster,
            namespace: o.namespace,
            pod,
            previous,
            ...(containers ? { containers } : {}),
            ...(f.evidence.container ? { container: f.evidence.container } : {}),
          };
        };
        const wantsPrevious = [f, ...related].some((x) => PREVIOUS_LOG_RULES.has(x.rule));
        const current = logs(false);
        return (
          <li key={f.id} id={`finding-${f.id}`} className={`finding ${f.severity}`} data-rule={f.rule}>
            <details>
              <summary>
                <span className={`pill ${SEVERITY_CLASS[f.severity]}`}>{f.severity}</span> <b>{f.summary}</b>
                {related.map((r) => (
                  <span key={r.id} className={`pill ${SEVERITY_CLASS[r.severity]}`} title={r.summary}>
                    also {r.rule.replace(/^pod-/, '').replace(/-/g, ' ')}
                  </span>
                ))}{' '}
                <span className="muted small">
                  {o.cluster === '*' ? 'all clusters' : o.cluster} · {o.kind} {o.namespace}/{o.name}
                  {f.count && f.count > 1 ? ` · ${f.count} pods` : ''}
                </span>
              </summary>
              <div className="finding-actions">
                {o.cluster !== '*' && (
                  <>
                    <a href={`#cluster-${o.cluster}`}>Cluster {o.cluster}</a>
                    <a href={`#${workloadAnchor(o.cluster, o.namespace, o.kind, o.name)}`}>
                      {o.kind} {o.name}
                    </a>
                  </>
                )}
                {current && wantsPrevious && (
                  <button type="button" onClick={() => onLogs({ ...current, previous: true })}>
                    Previous logs of {current.pod}
                  </button>
                )}
                {current && (
                  <button type="button" onClick={() => onLogs(current)}>
                    Logs of {current.pod}
                  </button>
                )}
              </div>
              <p>{f.explanation}</p>
              {related.map((r) => (
                <p key={r.id} className="small">
                  <span className={`pill ${SEVERITY_CLASS[r.severity]}`}>{r.severity}</span> {r.summary}:{' '}
                  {r.explanation}
                </p>
              ))}
              {f.nextSteps.length > 0 && (
                <ol className="steps">
                  {[...new Set([...f.nextSteps, ...related.flatMap((r) => r.nextSteps)])].map((step) => (
                    <Step key={step} step={step} />
                  ))}
                </ol>
              )}
              <Evidence finding={f} />
            </details>
          </li>
        );
      })}
    </ul>
  );
}

/** A step; a command in it gets its own line and a copy button. */
function Step({ step }: { step: string }) {
  const at = step.indexOf('kubectl ');
  const [copied, setCopied] = useState(false);
  if (at < 0) return <li>{step}</li>;
  const command = step.slice(at).trim();
  return (
    <li>
      {step.slice(0, at).trim()}
      <div className="command">
        <code>{command}</code>
        <button
          type="button"
          className="small"
          onClick={() =>
            navigator.clipboard?.writeText(command).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
    </li>
  );
}

function Evidence({ finding }: { finding: Finding }) {
  const e = finding.evidence;
  const facts = [
    e.container && `container ${e.container}`,
    e.exitCode !== undefined && `exit code ${e.exitCode}`,
    e.reason && `reason ${e.reason}`,
    e.restartCount !== undefined && `${e.restartCount} restarts`,
    e.image && `image ${e.image}`,
    e.memoryLimit && `memory limit ${e.memoryLimit}`,
  ].filter(Boolean);
  return (
    <div className="evidence small">
      {facts.length > 0 && <div>{facts.join(' · ')}</div>}
      {e.message && <div className="muted">{e.message}</div>}
      {mergeEvents(e.events ?? [])
        .slice(0, 5)
        .map((ev) => (
          <div key={`${ev.type}/${ev.reason}/${ev.message}`} className="muted">
            {ev.type} {ev.reason}: {ev.message}
            {ev.count && ev.count > 1 ? ` (×${ev.count})` : ''}
          </div>
        ))}
      {e.logTail && e.logTail.length > 0 && <pre className="tail">{e.logTail.join('\n')}</pre>}
      {finding.pods && finding.pods.length > 1 && (
        <div className="muted">pods: {finding.pods.join(', ')}</div>
      )}
    </div>
  );
}
