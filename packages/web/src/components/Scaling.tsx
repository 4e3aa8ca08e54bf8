import type { ClusterScaling, MetricAnalysis, WorkloadScaling } from '@portolan/core/scaling/analyze';
import type { ReplicaSeries } from '@portolan/core/scaling/history';
import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense } from 'react';
import { api } from '../api.ts';
import { ErrorNote } from './ErrorNote.tsx';

// The chart library is loaded only when a page shows a chart.
const ReplicaChart = lazy(() => import('./ReplicaChart.tsx'));

interface ScalingResponse {
  ref: string;
  workloads: WorkloadScaling[];
}
interface HistoryResponse {
  windowMs: number;
  generatedAt: string;
  items: (ReplicaSeries & { target: { kind: string; name: string } })[];
}

/** Per autoscaled workload: every cluster's HPA as a gauge, its metrics against target, and replicas over time. */
export function Scaling({ entityRef }: { entityRef: string }) {
  const base = `/api/services/${encodeURIComponent(entityRef)}/scaling`;
  const scaling = useQuery({
    queryKey: ['scaling', entityRef],
    queryFn: () => api<ScalingResponse>(base),
    refetchInterval: 15_000,
  });
  const history = useQuery({
    queryKey: ['scaling-history', entityRef],
    queryFn: () => api<HistoryResponse>(`${base}/history`),
    refetchInterval: 30_000,
  });
  return (
    <section className="card scaling" id="autoscaling" aria-labelledby="scaling-title">
      <h2 id="scaling-title">Autoscaling</h2>
      {scaling.error && <ErrorNote error={scaling.error} what="Loading the autoscaling view" />}
      {!scaling.data && !scaling.error && <p className="muted">Loading…</p>}
      {scaling.data?.workloads.length === 0 && <p className="muted">No HorizontalPodAutoscaler.</p>}
      {scaling.data?.workloads.map((w) => {
        const series = history.data?.items.filter(
          (s) =>
            s.namespace === w.namespace && s.target.kind === w.target.kind && s.target.name === w.target.name,
        );
        return (
          <WorkloadScalingView
            key={`${w.namespace}/${w.target.kind}/${w.target.name}`}
            w={w}
            series={series}
            windowMs={history.data?.windowMs}
            generatedAt={history.data?.generatedAt}
          />
        );
      })}
      {history.error && <ErrorNote error={history.error} what="Loading replicas over time" />}
    </section>
  );
}

function WorkloadScalingView({
  w,
  series,
  windowMs,
  generatedAt,
}: {
  w: WorkloadScaling;
  series: HistoryResponse['items'] | undefined;
  windowMs: number | undefined;
  generatedAt: string | undefined;
}) {
  const title = `${w.target.kind} ${w.namespace}/${w.target.name}`;
  return (
    <div className="scaling-workload">
      <h3>
        {title}{' '}
        <span className="muted small">
          {w.totalCurrent} replicas of {w.totalMax} max in {w.clusters.length} cluster
          {w.clusters.length === 1 ? '' : 's'} · {w.headroomPercent}% headroom
        </span>
      </h3>
      {w.differences.length > 0 && (
        <div className="note warn differences" role="note">
          <b>Not the same in every cluster:</b>
          <ul>
            {w.differences.map((d) => (
              <li key={`${d.setting}/${d.metric ?? ''}`}>
                {d.setting === 'target'
                  ? `${d.metric} target`
                  : d.setting === 'maxReplicas'
                    ? 'max replicas'
                    : 'min replicas'}
                :{' '}
                {d.values.map((v, i) => (
                  <span key={v.value}>
                    {i > 0 && '; '}
                    <code>{v.value}</code> in {v.clusters.join(', ')}
                  </span>
                ))}
              </li>
            ))}
          </ul>
        </div>
      )}
      <table className="grid compact hpas">
        <thead>
          <tr>
            <th>Cluster</th>
            <th>Replicas (min – max)</th>
            <th>Metrics against target</th>
          </tr>
        </thead>
        <tbody>
          {w.clusters.map((c) => (
            <tr key={c.cluster} data-cluster={c.cluster}>
              <td>
                {c.cluster}
                {c.atMax && <span className="pill bad">at max</span>}
                {c.nearMax && <span className="pill warn">near max</span>}
              </td>
              <td>
                <ReplicaGauge c={c} />
              </td>
              <td>
                {c.metrics.length === 0 && <span className="muted">no metrics</span>}
                {c.metrics.map((m) => (
                  <MetricBar
                    key={`${m.type}/${m.name}/${m.container ?? ''}/${m.describedObject ?? ''}`}
                    m={m}
                  />
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {series && windowMs !== undefined && generatedAt && (
        <Suspense fallback={<p className="muted small">Loading the chart…</p>}>
          <ReplicaChart
            title={`Replicas of ${title} per cluster since the portal started watching (up to ${Math.round(windowMs / 3600_000)} h)`}
            series={series}
            now={Date.parse(generatedAt)}
            windowMs={windowMs}
          />
        </Suspense>
      )}
    </div>
  );
}

/** Current replicas on a 0..max track with the min–max band; desired when it differs. */
function ReplicaGauge({ c }: { c: ClusterScaling }) {
  const max = Math.max(c.maxReplicas, c.currentReplicas, 1);
  const pct = (n: number) => `${Math.min(100, (n / max) * 100)}%`;
  const state = c.atMax ? 'bad' : c.nearMax ? 'warn' : 'ok';
  const label = `${c.currentReplicas} replicas; min ${c.minReplicas}, max ${c.maxReplicas}${
    c.desiredReplicas !== c.currentReplicas ? `; wants ${c.desiredReplicas}` : ''
  }`;
  return (
    <div className="gauge-row">
      <div className={`gauge ${state}`} role="img" aria-label={label} title={label}>
        <span
          className="gauge-band"
          style={{ left: pct(c.minReplicas), width: `calc(${pct(c.maxReplicas)} - ${pct(c.minReplicas)})` }}
        />
        <span className="gauge-fill" style={{ width: pct(c.currentReplicas) }} />
        {c.desiredReplicas !== c.currentReplicas && (
          <span className="gauge-desired" style={{ left: pct(c.desiredReplicas) }} />
        )}
      </div>
      <span className="gauge-text">
        <b>{c.currentReplicas}</b>{' '}
        <span className="muted">
          ({c.minReplicas} – {c.maxReplicas})
          {c.desiredReplicas !== c.currentReplicas && ` → ${c.desiredReplicas}`}
        </span>
      </span>
    </div>
  );
}

/** One metric: current against target on a bar whose mark is the target, with the headroom in words. */
function MetricBar({ m }: { m: MetricAnalysis }) {
  const name = m.container
    ? `${m.name} (${m.container})`
    : m.describedObject
      ? `${m.name} (${m.describedObject})`
      : m.name;
  if (m.ratio === undefined) {
    return (
      <div className="metric">
        <span className="metric-name">{name}</span>{' '}
        <span className="muted">
          {m.currentText ?? '?'} / {m.targetText ?? '?'} target
        </span>
      </div>
    );
  }
  // The track shows up to 150% of target; the target mark sits at two thirds.
  const width = `${(Math.min(m.ratio, 1.5) / 1.5) * 100}%`;
  const headroom = Math.round((1 - m.ratio) * 100);
  const state = m.ratio > 1 ? 'bad' : m.ratio > 0.9 ? 'warn' : 'ok';
  return (
    <div className="metric">
      <span className="metric-name">{name}</span>
      <span
        className={`metric-bar ${state}`}
        role="img"
        aria-label={`${name} at ${Math.round(m.ratio * 100)}% of target`}
      >
        <span className="metric-fill" style={{ width }} />
        <span className="metric-target" />
      </span>
      <span className="small">
        {m.currentText} / {m.targetText}{' '}
        <span className={headroom < 0 ? 'bad-text' : 'muted'}>
          {headroom >= 0 ? `${headroom}% headroom` : `${-headroom}% over target`}
        </span>
      </span>
    </div>
  );
}
