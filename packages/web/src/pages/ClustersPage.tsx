import type { ClusterState } from '@portolan/core/services/types';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../api.ts';
import { clusterClass, clusterPath, forbiddenKinds } from '../clusters.ts';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { SeverityPills } from '../components/SeverityPills.tsx';
import type { FleetSummary } from '../findings.ts';

/** Every cluster: its connection state, version and counts, and the findings in it. */
export function ClustersPage() {
  const query = useQuery({
    queryKey: ['clusters'],
    queryFn: () => api<{ items: ClusterState[] }>('/api/clusters'),
    refetchInterval: 5000,
  });
  const summary = useQuery({
    queryKey: ['findings-summary', 'clusters'],
    queryFn: () => api<FleetSummary>('/api/findings/summary?top=500'),
    refetchInterval: 15_000,
  });
  const problems = new Map((summary.data?.clusters ?? []).map((g) => [g.key, g]));
  const items = query.data?.items ?? [];
  return (
    <section>
      <PageHeader title="Clusters" crumbs={[{ label: 'Home', to: '/' }]} />
      {query.error && <ErrorNote error={query.error} what="Loading the clusters" />}
      {summary.error && <ErrorNote error={summary.error} what="Loading the findings per cluster" />}
      {query.isPending && <p className="muted">Loading clusters…</p>}
      <div className="table-wrap">
        <table className="grid clusters-table">
          <thead>
            <tr>
              <th>Cluster</th>
              <th>Region</th>
              <th>State</th>
              <th>Version</th>
              <th className="num">Pods</th>
              <th className="num">Deployments</th>
              <th>Findings</th>
              <th>Problems</th>
            </tr>
          </thead>
          <tbody>
            {items.map((c) => {
              const p = problems.get(c.cluster);
              return (
                <tr key={c.cluster} data-cluster={c.cluster}>
                  <td>
                    <Link to={clusterPath(c.cluster)}>{c.cluster}</Link>
                  </td>
                  <td>{c.region}</td>
                  <td>
                    <span className={`pill ${clusterClass(c)}`}>{c.status}</span>
                  </td>
                  <td>{c.version}</td>
                  <td className="num">{c.counts.Pod ?? 0}</td>
                  <td className="num">{c.counts.Deployment ?? 0}</td>
                  <td className="findings-cell">
                    {summary.data ? (
                      <Link to={`/findings?cluster=${encodeURIComponent(c.cluster)}`}>
                        <SeverityPills counts={p ?? { critical: 0, warning: 0, info: 0 }} />
                      </Link>
                    ) : (
                      ''
                    )}
                  </td>
                  <td className="small">
                    {c.message}
                    {forbiddenKinds(c).map((m) => (
                      <div key={m}>{m}</div>
                    ))}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {items.length === 0 && query.isSuccess && <p className="muted">No clusters are configured.</p>}
    </section>
  );
}
