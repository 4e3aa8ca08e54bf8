import type { ServiceSummary } from '@portolan/core/services/types';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { type ApiEntity, api, entityPath, refOf, shortRef } from '../api.ts';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { PageHeader } from '../components/PageHeader.tsx';

interface TeamService {
  ref: string;
  name: string;
  title?: string;
  kind: string;
  summary: ServiceSummary;
}

interface Team {
  group: ApiEntity;
  groups: string[];
  owned: ApiEntity[];
}

export function TeamPage() {
  const teamRef = useParams().ref ?? '';
  const query = useQuery({
    queryKey: ['team', teamRef],
    queryFn: () => api<Team>(`/api/catalog/teams/${encodeURIComponent(teamRef)}`),
  });
  const services = useQuery({
    queryKey: ['team-services', teamRef],
    queryFn: () => api<{ items: TeamService[] }>(`/api/teams/${encodeURIComponent(teamRef)}/services`),
    refetchInterval: 10_000,
    retry: false,
  });
  const team = query.data;
  const running = (services.data?.items ?? []).filter((s) => s.summary.workloads > 0);
  if (!team) {
    return (
      <article>
        <PageHeader
          title={shortRef(teamRef, 'group')}
          crumbs={[{ label: 'Catalog', to: '/' }]}
          kicker="Team"
        />
        {query.error ? (
          <ErrorNote error={query.error} what={`Loading team ${teamRef}`} />
        ) : (
          <p className="muted">Loading…</p>
        )}
      </article>
    );
  }
  const byKind = new Map<string, ApiEntity[]>();
  for (const e of team.owned) byKind.set(e.kind, [...(byKind.get(e.kind) ?? []), e]);
  return (
    <article>
      <PageHeader
        title={team.group.metadata.title ?? team.group.metadata.name}
        crumbs={[{ label: 'Catalog', to: '/' }]}
        kicker="Team"
      />
      {services.error && <ErrorNote error={services.error} what="Loading the team's running services" />}
      {team.groups.length > 1 && <p className="muted">Including {team.groups.length - 1} sub-group(s)</p>}
      {running.length > 0 && (
        <section className="card">
          <h2>Running services ({running.length})</h2>
          <table className="grid compact">
            <thead>
              <tr>
                <th>Service</th>
                <th>Clusters</th>
                <th>Pods ready</th>
                <th>Versions</th>
              </tr>
            </thead>
            <tbody>
              {running.map((s) => {
                const versions = [...new Set(s.summary.perCluster.flatMap((c) => c.versions))];
                const stale = s.summary.perCluster.filter((c) => c.stale).length;
                return (
                  <tr key={s.ref}>
                    <td>
                      <Link to={entityPath(s.ref) ?? '/'}>{s.title ?? s.name}</Link>
                    </td>
                    <td>
                      {s.summary.clusters}
                      {stale > 0 && <span className="pill bad">{stale} stale</span>}
                    </td>
                    <td className={s.summary.readyPods < s.summary.pods ? 'bad' : ''}>
                      {s.summary.readyPods}/{s.summary.pods}
                    </td>
                    <td>
                      <code>{versions.join(', ')}</code>
                      {s.summary.drift && <span className="pill warn">drift</span>}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
      )}
      {[...byKind].map(([kind, entities]) => (
        <section key={kind} className="card">
          <h2>
            {kind} ({entities.length})
          </h2>
          <ul className="plain">
            {entities.map((e) => (
              <li key={refOf(e)}>
                <Link to={entityPath(refOf(e)) ?? '/'}>{e.metadata.title ?? e.metadata.name}</Link>{' '}
                {e.metadata.description && <div className="muted small">{e.metadata.description}</div>}
              </li>
            ))}
          </ul>
        </section>
      ))}
      {team.owned.length === 0 && <p className="muted">This team owns nothing in the catalog yet.</p>}
    </article>
  );
}
