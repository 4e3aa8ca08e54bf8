import type { Finding } from '@portolan/core/health/types';

const ORDER = { critical: 0, warning: 1, info: 2 } as const;
const CLASS = { critical: 'bad', warning: 'warn', info: 'info' } as const;

/** What is wrong, why, and what to do. Every string here came from a cluster: text only. */
export function Findings({ findings }: { findings: Finding[] }) {
  if (findings.length === 0) {
    return <p className="note ok-text">No problems found in any cluster.</p>;
  }
  const sorted = [...findings].sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
  return (
    <ul className="findings">
      {sorted.map((f) => (
        <li key={f.id} className={`finding ${f.severity}`}>
          <details>
            <summary>
              <span className={`pill ${CLASS[f.severity]}`}>{f.severity}</span> <b>{f.summary}</b>{' '}
              <span className="muted small">
                {f.object.cluster} · {f.object.kind} {f.object.namespace}/{f.object.name}
                {f.count && f.count > 1 ? ` · ${f.count} pods` : ''}
              </span>
            </summary>
            <p>{f.explanation}</p>
            {f.nextSteps.length > 0 && (
              <ol className="steps">
                {f.nextSteps.map((step) => (
                  <li key={step}>{step}</li>
                ))}
              </ol>
            )}
            <Evidence finding={f} />
          </details>
        </li>
      ))}
    </ul>
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
      {(e.events ?? []).slice(0, 5).map((ev) => (
        <div key={`${ev.reason}/${ev.lastTimestamp}/${ev.message}`} className="muted">
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
