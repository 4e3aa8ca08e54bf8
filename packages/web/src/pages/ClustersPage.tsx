import type { ClusterState } from '@portolan/core/services/types';
import { useQuery } from '@tanstack/react-query';
import { api } from '../api.ts';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { PageHeader } from '../components/PageHeader.tsx';

export function ClustersPage() {
  const query = useQuery({
    queryKey: ['clusters'],
    queryFn: () => api<{ items: ClusterState[] }>('/api/clusters'),
    refetchInterval: 5000,
  });
  const items = query.data?.items ?? [];
  return (
    <section>
      <PageHeader title="Clusters" crumbs={[{ label: 'Catalog', to: '/' }]} />
      {query.error && <ErrorNote error={query.error} what="Loading the clusters" />}
      {query.isPending && <p className="muted">Loading clusters…</p>}
      <div className="table-wrap">
        <table className="grid">
          <thead>
            <tr>
              <th>Cluster</th>
              <th>Region</th>
              <th>State</th>
              <th>Version</th>
              <th>Pods</th>
              <th>Deployments</th>
              <th>Last event</th>
              <th>Problems</th>
            </tr>
          </thead>
          <tbody>
            {items.map((c) => (
              <tr key={c.cluster} data-cluster={c.cluster}>
                <td>{c.cluster}</td>
                <td>{c.region}</td>
                <td>
                  <span
                    className={`pill ${c.status === 'synced' ? 'ok' : c.status === 'stale' ? 'bad' : 'info'}`}
                  >
                    {c.status}
                  </span>
                </td>
                <td>{c.version}</td>
                <td>{c.counts.Pod ?? 0}</td>
                <td>{c.counts.Deployment ?? 0}</td>
                <td>{c.lastEventAt ? new Date(c.lastEventAt).toLocaleTimeString() : ''}</td>
                <td className="small">
                  {c.message}
                  {Object.entries(c.kinds)
                    .filter(([, k]) => k?.status === 'forbidden')
                    .map(([kind, k]) => (
                      <div key={kind}>{k?.message ?? `${kind} forbidden`}</div>
                    ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {items.length === 0 && query.isSuccess && <p className="muted">No clusters are configured.</p>}
    </section>
  );
}
