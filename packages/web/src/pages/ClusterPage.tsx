import type { ClusterServicesView } from '@portolan/core/health/fleet';
import type { ClusterState } from '@portolan/core/services/types';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api, entityPath, shortRef } from '../api.ts';
import { clusterClass, forbiddenKinds, watchScope } from '../clusters.ts';
import { type Denied, DeniedNote } from '../components/DeniedNote.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { SeverityPills } from '../components/SeverityPills.tsx';
import { SEVERITY_CLASS, type ServiceFinding } from '../findings.ts';

const FINDINGS_SHOWN = 50;

/** One cluster: its state, version and counts, what runs there by team, and its findings. */
export function ClusterPage() {
  const name = useParams().name ?? '';
  const clusters = useQuery({
    queryKey: ['clusters'],
    queryFn: () => api<{ items: ClusterState[] }>('/api/clusters'),
    refetchInterval: 5000,
  });
  const services = useQuery({
    queryKey: ['cluster-services', name],
    queryFn: () =>
      api<ClusterServicesView & { denied?: Denied[] }>(`/api/clusters/${encodeURIComponent(name)}/services`),
    refetchInterval: 15_000,
  });
  const findings = useQuery({
    queryKey: ['findings', `cluster=${name}`],
    queryFn: () =>
      api<{ items: ServiceFinding[]; totalItems: number }>(
        `/api/findings?cluster=${encodeURIComponent(name)}&limit=${FINDINGS_SHOWN}`,
      ),
    refetchInterval: 15_000,
  });
  const c = clusters.data?.items.find((x) => x.cluster === name);
  const crumbs = [{ label: 'Clusters', to: '/clusters' }];
  if (!c) {
    return (
      <article>
        <PageHeader title={name} crumbs={crumbs} kicker="Cluster" />
        {clusters.error ? (
          <ErrorNote error={clusters.error} what="Loading the clusters" />
        ) : clusters.isPending ? (
          <p className="muted">Loading…</p>
        ) : (
          <p className="note bad">
            The portal watches no cluster named <code>{name}</code>. <Link to="/clusters">All clusters</Link>
          </p>
        )}
      </article>
    );
  }
  const kinds = Object.entries(c.counts).filter(([, n]) => (n ?? 0) > 0);
  const running = services.data?.teams.reduce((n, t) => n + t.services.length, 0);
  return (
    <article>
      <PageHeader title={c.cluster} crumbs={crumbs} kicker={`Cluster · ${c.region ?? 'no region'}`} />
      <p className="cluster-state">
        <span className={`pill ${clusterClass(c)}`}>{c.status}</span>{' '}
        {c.version && (
          <>
            Kubernetes <code>{c.version}</code>
          </>
        )}
        {c.since && c.status === 'stale' && (
          <span className="muted"> · stale since {new Date(c.since).toLocaleTimeString()}</span>
        )}
        {c.lastEventAt && (
          <span className="muted"> · last change {new Date(c.lastEventAt).toLocaleTimeString()}</span>
        )}
      </p>
      {c.message && <p className="note bad">{c.message}</p>}
      <DeniedNote denied={services.data?.denied} />
      {watchScope(c) && (
        <p className="muted">
          {watchScope(c)} {c.scope?.message}
        </p>
      )}
      {forbiddenKinds(c).length > 0 && (
        <section className="card" aria-labelledby="permissions-title">
          <h2 id="permissions-title">Missing permissions</h2>
          <p className="muted small">
            What this cluster refuses the portal; what it shows here leaves those objects out.
          </p>
          <ul className="plain">
            {forbiddenKinds(c).map((m) => (
              <li key={m} className="note warn">
                {m}
              </li>
            ))}
          </ul>
        </section>
      )}
      <div className="columns">
        <section className="card" aria-labelledby="counts-title">
          <h2 id="counts-title">Objects watched</h2>
          <dl className="counts-list">
            {kinds.map(([kind, n]) => (
              <div key={kind}>
                <dt>{kind}</dt>
                <dd>{n}</dd>
              </div>
            ))}
          </dl>
          {kinds.length === 0 && <p className="muted">None yet.</p>}
        </section>
        <section className="card" aria-labelledby="problems-title">
          <h2 id="problems-title">Findings here</h2>
          {services.data && <SeverityPills counts={services.data.summary} none="No findings." />}
          {services.error && <ErrorNote error={services.error} what="Loading this cluster's findings" />}
        </section>
      </div>
      <section className="card" aria-labelledby="teams-title">
        <h2 id="teams-title">
          What runs here{running !== undefined && ` (${running} service${running === 1 ? '' : 's'})`}
        </h2>
        {services.isPending && <p className="muted">Loading…</p>}
        {services.data?.teams.length === 0 && <p className="muted">No service of the catalog runs here.</p>}
        {services.data?.teams.map((t) => (
          <div key={t.owner ?? ''} className="team-block" data-owner={t.owner ?? ''}>
            <h3>
              {t.owner ? (
                <Link to={entityPath(t.owner, 'group') ?? '/'}>{shortRef(t.owner, 'group')}</Link>
              ) : (
                'No owner'
              )}{' '}
              <span className="muted small">({t.services.length})</span>
            </h3>
            <div className="table-wrap">
              <table className="grid compact">
                <thead>
                  <tr>
                    <th>Service</th>
                    <th className="num">Workloads</th>
                    <th className="num">Pods</th>
                    <th>Findings here</th>
                  </tr>
                </thead>
                <tbody>
                  {t.services.map((s) => (
                    <tr key={s.service}>
                      <td>
                        <Link to={`${entityPath(s.service) ?? '/'}#cluster-${c.cluster}`}>{s.name}</Link>
                      </td>
                      <td className="num">{s.workloads}</td>
                      <td className="num">{s.pods}</td>
                      <td>
                        <SeverityPills counts={s.findings} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        ))}
      </section>
      <section className="card" aria-labelledby="cluster-findings">
        <h2 id="cluster-findings">
          {findings.data ? `${findings.data.totalItems} findings` : 'Findings'}
          {findings.data && findings.data.totalItems > findings.data.items.length && (
            <>
              {' '}
              <Link className="small" to={`/findings?cluster=${encodeURIComponent(c.cluster)}`}>
                all of them
              </Link>
            </>
          )}
        </h2>
        {findings.error && <ErrorNote error={findings.error} what="Loading this cluster's findings" />}
        {findings.data?.totalItems === 0 && <p className="ok-text">No findings.</p>}
        <ul className="plain cluster-findings">
          {findings.data?.items.map((f) => (
            <li key={`${f.service}/${f.id}`}>
              <span className={`pill ${SEVERITY_CLASS[f.severity]}`}>{f.severity}</span>{' '}
              <Link to={`${entityPath(f.service)}#finding-${f.id}`}>{f.summary}</Link>{' '}
              <span className="muted small">
                {shortRef(f.service)} · {f.object.kind} {f.object.namespace}/{f.object.name}
              </span>
            </li>
          ))}
        </ul>
      </section>
    </article>
  );
}
