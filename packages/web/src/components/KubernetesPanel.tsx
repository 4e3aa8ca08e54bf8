import type { ClusterView, PodView, WorkloadView } from '@portolan/core/services/types';
import { useState } from 'react';
import { Findings } from './Findings.tsx';
import { LogViewer } from './LogViewer.tsx';
import { useServiceView } from './useServiceView.ts';

function age(seconds?: number): string {
  if (seconds === undefined) return '';
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86400)}d`;
}

const ROLLOUT_CLASS: Record<string, string> = {
  complete: 'ok',
  progressing: 'info',
  paused: 'warn',
  failed: 'bad',
};

export function KubernetesPanel({ entityRef }: { entityRef: string }) {
  const { view, findings, state, error } = useServiceView(entityRef);
  const [logs, setLogs] = useState<{ cluster: string; namespace: string; pod: string } | undefined>();
  if (!view) {
    return (
      <section className="card">
        <h2>Kubernetes</h2>
        <p className="muted">
          {state === 'unavailable' ? (error ?? 'Kubernetes is not configured.') : 'Connecting…'}
        </p>
      </section>
    );
  }
  const s = view.summary;
  return (
    <section className="card kube">
      <h2>
        Kubernetes <span className={`pill ${state === 'live' ? 'ok' : 'warn'}`}>{state}</span>
      </h2>
      <p className="summary">
        Runs in <b>{s.clusters}</b> cluster(s) · <b>{s.workloads}</b> workload(s) ·{' '}
        <b>
          {s.readyPods}/{s.pods}
        </b>{' '}
        pods ready
        {s.drift && <span className="pill warn">version drift</span>}
      </p>
      {findings && (
        <div className="findings-block">
          <h3>What is wrong</h3>
          <Findings findings={findings} />
        </div>
      )}
      {view.versions.length > 0 && (
        <table className="grid compact">
          <thead>
            <tr>
              <th>Workload</th>
              <th>Version → clusters</th>
            </tr>
          </thead>
          <tbody>
            {view.versions.map((v) => (
              <tr key={`${v.kind}/${v.workload}`}>
                <td>
                  {v.workload} {v.drift && <span className="pill warn">drift</span>}
                </td>
                <td>
                  {v.versions.map((x) => (
                    <div key={x.version}>
                      <code>{x.version}</code> <span className="muted">{x.clusters.join(', ')}</span>
                    </div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {view.regions.map((region) => {
        // Clusters where nothing of the service runs, and nothing is wrong, fold into one line.
        const shown = region.clusters.filter(
          (c) => c.items.length > 0 || c.errors.length > 0 || c.status !== 'synced',
        );
        const absent = region.clusters.filter((c) => !shown.includes(c));
        return (
          <div key={region.region} className="region">
            <h3>{region.region}</h3>
            <div className="clusters">
              {shown.map((c) => (
                <ClusterCard
                  key={c.cluster}
                  cluster={c}
                  onLogs={(pod) => setLogs({ cluster: c.cluster, ...pod })}
                />
              ))}
            </div>
            {absent.length > 0 && (
              <p className="muted small">Not deployed in {absent.map((c) => c.cluster).join(', ')}</p>
            )}
          </div>
        );
      })}
      {logs && <LogViewer entityRef={entityRef} {...logs} onClose={() => setLogs(undefined)} />}
    </section>
  );
}

function ClusterCard({
  cluster,
  onLogs,
}: {
  cluster: ClusterView;
  onLogs: (pod: { namespace: string; pod: string }) => void;
}) {
  const st = cluster;
  const cls = st.status === 'synced' ? 'ok' : st.status === 'stale' ? 'bad' : 'info';
  return (
    <div className={`cluster ${st.status}`} data-cluster={cluster.cluster}>
      <header>
        <b>{cluster.cluster}</b> <span className={`pill ${cls}`}>{st.status}</span>
        {st.version && <span className="muted"> {st.version}</span>}
      </header>
      {st.status === 'stale' && (
        <p className="note bad">
          Stale{st.since ? ` since ${new Date(st.since).toLocaleTimeString()}` : ''}:{' '}
          {st.message ?? st.reason} — showing the last known state.
        </p>
      )}
      {cluster.errors.map((e) => (
        <p key={`${e.type}/${e.kind ?? ''}`} className="note warn">
          {e.message}
        </p>
      ))}
      {cluster.items.length === 0 && <p className="muted">Nothing of this service runs here.</p>}
      {cluster.items.map((w) => (
        <Workload key={`${w.kind}/${w.namespace}/${w.name}`} w={w} onLogs={onLogs} />
      ))}
    </div>
  );
}

function Workload({
  w,
  onLogs,
}: {
  w: WorkloadView;
  onLogs: (pod: { namespace: string; pod: string }) => void;
}) {
  const [open, setOpen] = useState(false);
  const r = w.replicas;
  return (
    <div className="workload">
      <button type="button" className="linklike" onClick={() => setOpen(!open)} aria-expanded={open}>
        {w.kind} {w.namespace}/{w.name}
      </button>{' '}
      <span className={`pill ${ROLLOUT_CLASS[w.rollout.state] ?? ''}`} title={w.rollout.message}>
        {w.rollout.state}
      </span>
      <div className="muted small">
        {r.ready}/{r.desired} ready · {r.updated} updated · {r.available} available
        {w.version && (
          <>
            {' '}
            · <code>{w.version}</code>
          </>
        )}
      </div>
      {w.hpa && (
        <div className="small">
          HPA {w.hpa.currentReplicas ?? '?'} replicas (min {w.hpa.minReplicas ?? 1}, max{' '}
          {w.hpa.maxReplicas ?? '?'}){w.hpa.atMax && <span className="pill bad">at max</span>}
          {w.hpa.metrics.map((m) => (
            <span key={`${m.type}/${m.name}`} className="muted">
              {' '}
              · {m.name ?? m.type} {m.current ?? '?'} / {m.target ?? '?'}
            </span>
          ))}
        </div>
      )}
      {open && <Pods pods={w.pods} onLogs={onLogs} />}
    </div>
  );
}

function Pods({
  pods,
  onLogs,
}: {
  pods: PodView[];
  onLogs: (pod: { namespace: string; pod: string }) => void;
}) {
  return (
    <table className="grid compact">
      <thead>
        <tr>
          <th>Pod</th>
          <th>Status</th>
          <th>Ready</th>
          <th>Restarts</th>
          <th>Node</th>
          <th>Age</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {pods.map((p) => (
          <tr key={p.name}>
            <td>
              <code>{p.name}</code>
            </td>
            <td className={p.ready ? '' : 'bad'}>{p.reason ?? p.phase}</td>
            <td>{p.readyContainers}</td>
            <td>{p.restarts}</td>
            <td>{p.node}</td>
            <td>{age(p.ageSeconds)}</td>
            <td>
              <button
                type="button"
                className="linklike"
                onClick={() => onLogs({ namespace: p.namespace, pod: p.name })}
              >
                logs
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
