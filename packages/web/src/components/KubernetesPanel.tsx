import { serviceGlance } from '@portolan/core/health/glance';
import type { ClusterView, PodView, WorkloadView } from '@portolan/core/services/types';
import { lazy, Suspense, useState } from 'react';
import { ErrorNote } from './ErrorNote.tsx';
import { Findings, workloadAnchor } from './Findings.tsx';
import { type LogTarget, LogViewer } from './LogViewer.tsx';
import type { ObjectTarget } from './ObjectDialog.tsx';
import { ResourceUse } from './ResourceUse.tsx';
import { Scaling } from './Scaling.tsx';
import { ServiceGlance } from './ServiceGlance.tsx';
import { useServiceView } from './useServiceView.ts';

// The object dialog and its YAML highlighter load when an object is first opened.
const ObjectDialog = lazy(() => import('./ObjectDialog.tsx'));

type OpenObject = (kind: string, namespace: string, name: string) => void;

/** A pod's age when the view was built: the stream sends `createdAt`, not `ageSeconds`. */
function podAge(p: PodView, generatedAt: string): string {
  if (p.ageSeconds !== undefined) return age(p.ageSeconds);
  if (!p.createdAt) return '';
  return age(Math.max(0, (Date.parse(generatedAt) - Date.parse(p.createdAt)) / 1000));
}

function age(seconds: number): string {
  if (Number.isNaN(seconds)) return '';
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

/** Pods a person should look at: not ready, restarting, terminating, or with a reason. */
function needsAttention(p: PodView): boolean {
  return !p.ready || p.restarts > 0 || p.terminating || p.reason !== undefined;
}

/** How many healthy pods a workload shows before "N more". */
const HEALTHY_SHOWN = 3;

/** The service in every cluster: at a glance first, then what is wrong, then each cluster. */
export function KubernetesPanel({ entityRef }: { entityRef: string }) {
  const { view, findings, state, error } = useServiceView(entityRef);
  const [logs, setLogs] = useState<LogTarget | undefined>();
  const [object, setObject] = useState<ObjectTarget | undefined>();
  if (!view) {
    return (
      <section className="card" aria-labelledby="kube-title">
        <h2 id="kube-title">Kubernetes</h2>
        {state === 'failed' ? (
          error ? (
            <ErrorNote error={error} what="The live view of this service" />
          ) : (
            <p className="muted">The live stream failed; asking the portal why…</p>
          )
        ) : (
          <p className="muted">Connecting to the live view…</p>
        )}
      </section>
    );
  }
  const glance = serviceGlance(view, findings ?? []);
  const versions = new Set(view.clusters.flatMap((c) => (c.version ? [c.version] : [])));
  const sameApiVersion = versions.size === 1 ? [...versions][0] : undefined;
  const byName = new Map(view.clusters.map((c) => [c.cluster, c]));
  const containersOf = (cluster: string, namespace: string, pod: string) =>
    view.clusters
      .find((c) => c.cluster === cluster)
      ?.items.flatMap((w) => w.pods)
      .find((p) => p.namespace === namespace && p.name === pod)
      ?.containers.map((c) => c.name);
  const openPod = (cluster: string, p: PodView, previous = false) =>
    setLogs({
      cluster,
      namespace: p.namespace,
      pod: p.name,
      containers: p.containers.map((c) => c.name),
      previous,
    });
  const s = view.summary;
  return (
    <section className="kube" aria-label="Kubernetes">
      <ServiceGlance glance={glance} {...(sameApiVersion ? { apiVersion: sameApiVersion } : {})} />
      <p className="summary">
        <span className={`pill ${state === 'live' ? 'ok' : 'warn'}`}>{state}</span> {s.workloads} workload
        {s.workloads === 1 ? '' : 's'} in {s.clusters} cluster{s.clusters === 1 ? '' : 's'} ·{' '}
        <b>
          {s.readyPods}/{s.pods}
        </b>{' '}
        pods ready
        {s.drift && <span className="pill warn">version drift</span>}
      </p>
      <section className="card findings-block" id="findings" aria-labelledby="findings-title">
        <h2 id="findings-title">What is wrong</h2>
        {findings ? (
          <Findings findings={findings} onLogs={setLogs} containersOf={containersOf} />
        ) : (
          <p className="muted">Evaluating…</p>
        )}
      </section>
      {view.versions.some((v) => v.drift) && (
        <section className="card">
          <h2>Versions</h2>
          <div className="table-wrap">
            <table className="grid compact">
              <thead>
                <tr>
                  <th>Workload</th>
                  <th>Version → clusters</th>
                </tr>
              </thead>
              <tbody>
                {view.versions
                  .filter((v) => v.drift)
                  .map((v) => (
                    <tr key={`${v.kind}/${v.workload}`}>
                      <td>{v.workload}</td>
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
          </div>
        </section>
      )}
      {view.clusters.some((c) => c.items.some((w) => w.hpa)) && <Scaling entityRef={entityRef} />}
      {view.clusters.some((c) => c.items.length > 0) && <ResourceUse entityRef={entityRef} />}
      {view.regions.map((region) => {
        // Clusters where nothing of the service runs, and nothing is wrong, are in the grid only.
        const shown = region.clusters.flatMap((name) => {
          const c = byName.get(name);
          return c && (c.items.length > 0 || c.errors.length > 0 || c.status !== 'synced') ? [c] : [];
        });
        if (shown.length === 0) return null;
        return (
          <div key={region.region} className="region">
            <h3>{region.region}</h3>
            <div className="clusters">
              {shown.map((c) => (
                <ClusterCard
                  generatedAt={view.generatedAt}
                  key={c.cluster}
                  cluster={c}
                  showVersion={!sameApiVersion}
                  onLogs={(p, previous) => openPod(c.cluster, p, previous)}
                  onObject={(kind, namespace, name) =>
                    setObject({ cluster: c.cluster, kind, namespace, name })
                  }
                />
              ))}
            </div>
          </div>
        );
      })}
      {logs && (
        <LogViewer entityRef={entityRef} target={logs} view={view} onClose={() => setLogs(undefined)} />
      )}
      {object && (
        <Suspense fallback={null}>
          <ObjectDialog entityRef={entityRef} target={object} onClose={() => setObject(undefined)} />
        </Suspense>
      )}
    </section>
  );
}

function ClusterCard({
  generatedAt,
  cluster: c,
  showVersion,
  onLogs,
  onObject,
}: {
  generatedAt: string;
  cluster: ClusterView;
  showVersion: boolean;
  onLogs: (pod: PodView, previous?: boolean) => void;
  onObject: OpenObject;
}) {
  const cls = c.status === 'synced' ? 'ok' : c.status === 'stale' ? 'bad' : 'info';
  return (
    <section
      className={`cluster ${c.status}`}
      data-cluster={c.cluster}
      id={`cluster-${c.cluster}`}
      tabIndex={-1}
    >
      <header>
        <h4>{c.cluster}</h4> <span className={`pill ${cls}`}>{c.status}</span>
        {showVersion && c.version && <span className="muted"> {c.version}</span>}
      </header>
      {c.status === 'stale' && (
        <p className="note bad">
          Stale{c.since ? ` since ${new Date(c.since).toLocaleTimeString()}` : ''}: {c.message ?? c.reason} —
          showing the last known state.
        </p>
      )}
      {c.errors.map((e) => (
        <p key={`${e.type}/${e.kind ?? ''}`} className="note warn">
          {e.message}
        </p>
      ))}
      {c.items.length === 0 && <p className="muted">Nothing of this service runs here.</p>}
      {c.items.map((w) => (
        <Workload
          key={`${w.kind}/${w.namespace}/${w.name}`}
          cluster={c.cluster}
          w={w}
          onLogs={onLogs}
          onObject={onObject}
          generatedAt={generatedAt}
        />
      ))}
    </section>
  );
}

function Workload({
  cluster,
  w,
  onLogs,
  onObject,
  generatedAt,
}: {
  generatedAt: string;
  cluster: string;
  w: WorkloadView;
  onLogs: (pod: PodView, previous?: boolean) => void;
  onObject: OpenObject;
}) {
  const attention = w.pods.filter(needsAttention);
  // Pods needing attention are open from the start; a healthy workload folds its pods away.
  const [open, setOpen] = useState(attention.length > 0);
  const r = w.replicas;
  return (
    <div className="workload" id={workloadAnchor(cluster, w.namespace, w.kind, w.name)}>
      <button type="button" className="linklike" onClick={() => setOpen(!open)} aria-expanded={open}>
        {w.kind} {w.namespace}/{w.name}
      </button>{' '}
      <span className={`pill ${ROLLOUT_CLASS[w.rollout.state] ?? ''}`} title={w.rollout.message}>
        {w.rollout.state}
      </span>{' '}
      <button
        type="button"
        className="linklike small"
        onClick={() => onObject(w.kind, w.namespace, w.name)}
        aria-label={`YAML, events and tree of ${w.kind} ${w.namespace}/${w.name}`}
      >
        yaml · events
      </button>
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
      {(w.services.length > 0 || w.ingresses.length > 0) && (
        <div className="small related">
          {w.services.map((x) => (
            <button
              key={`s/${x.namespace}/${x.name}`}
              type="button"
              className="linklike"
              onClick={() => onObject('Service', x.namespace, x.name)}
            >
              Service {x.name}
            </button>
          ))}
          {w.ingresses.map((x) => (
            <button
              key={`i/${x.namespace}/${x.name}`}
              type="button"
              className="linklike"
              onClick={() => onObject('Ingress', x.namespace, x.name)}
            >
              Ingress {x.name}
            </button>
          ))}
        </div>
      )}
      {open && (
        <Pods
          onObject={onObject}
          workload={w.name}
          pods={w.pods}
          omitted={w.podsOmitted ?? 0}
          onLogs={onLogs}
          generatedAt={generatedAt}
        />
      )}
    </div>
  );
}

/** Pods needing attention first; the healthy rest counted, shown on request. Fits 390 px. */
function Pods({
  workload,
  pods,
  omitted,
  onLogs,
  onObject,
  generatedAt,
}: {
  generatedAt: string;
  workload: string;
  pods: PodView[];
  omitted: number;
  onLogs: (pod: PodView, previous?: boolean) => void;
  onObject: OpenObject;
}) {
  const [all, setAll] = useState(false);
  const attention = pods.filter(needsAttention);
  const healthy = pods.filter((p) => !needsAttention(p));
  const shown = all ? [...attention, ...healthy] : [...attention, ...healthy.slice(0, HEALTHY_SHOWN)];
  const hidden = pods.length - shown.length + omitted;
  return (
    <>
      <table className="grid compact pods">
        <thead>
          <tr>
            <th className="pod-name">Pod</th>
            <th className="pod-status">Status</th>
            <th className="num pod-restarts">Restarts</th>
            <th className="pod-node">Node</th>
            <th className="num pod-age">Age</th>
            <th className="pod-actions">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {shown.map((p) => (
            <tr key={p.name} className={needsAttention(p) ? 'attention' : ''}>
              <td className="pod-name" title={p.name}>
                {/* The workload's name is on the line above; the pod's own suffix tells pods apart. */}
                <button
                  type="button"
                  className="linklike"
                  onClick={() => onObject('Pod', p.namespace, p.name)}
                  aria-label={`YAML, events and tree of pod ${p.name}`}
                >
                  <code>
                    {p.name.startsWith(`${workload}-`) ? `…${p.name.slice(p.name.lastIndexOf('-'))}` : p.name}
                  </code>
                </button>
              </td>
              <td className={`pod-status ${p.ready ? '' : 'bad'}`} title={p.reason ?? p.phase}>
                {p.reason ?? p.phase} <span className="muted">{p.readyContainers}</span>
              </td>
              <td className="num pod-restarts">{p.restarts}</td>
              <td className="pod-node" title={p.node}>
                {p.node}
              </td>
              <td className="num pod-age">{podAge(p, generatedAt)}</td>
              <td className="pod-actions">
                <button
                  type="button"
                  className="linklike"
                  onClick={() => onLogs(p)}
                  aria-label={`Logs of ${p.name}`}
                >
                  logs
                </button>
                {p.restarts > 0 && ' '}
                {p.restarts > 0 && (
                  <button
                    type="button"
                    className="linklike"
                    onClick={() => onLogs(p, true)}
                    aria-label={`Previous logs of ${p.name}`}
                  >
                    previous
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {hidden > 0 && (
        <p className="small muted">
          {all ? `${omitted} more pods not sent by the server` : `${hidden} more ready pods`}
          {!all && healthy.length > HEALTHY_SHOWN && (
            <>
              {' '}
              <button type="button" className="linklike" onClick={() => setAll(true)}>
                show all
              </button>
            </>
          )}
        </p>
      )}
    </>
  );
}
