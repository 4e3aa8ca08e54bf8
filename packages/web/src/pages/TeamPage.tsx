import type { ServiceSummary } from '@portolan/core/services/types';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { type ApiEntity, api, entityPath, refOf, shortRef } from '../api.ts';
import { Delivery } from '../components/Delivery.tsx';
import { type Denied, DeniedNote } from '../components/DeniedNote.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { ServicesTable } from '../components/ServicesTable.tsx';

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
    queryFn: () =>
      api<{ items: TeamService[]; denied?: Denied[] }>(`/api/teams/${encodeURIComponent(teamRef)}/services`),
    refetchInterval: 10_000,
    retry: false,
  });
  const team = query.data;
  // Services only (the server lists Components, each once); running means a workload somewhere.
  const running = (services.data?.items ?? []).filter((s) => s.summary.workloads > 0);
  if (!team) {
    return (
      <article>
        <PageHeader title={shortRef(teamRef, 'group')} crumbs={[{ label: 'Home', to: '/' }]} kicker="Team" />
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
        crumbs={[{ label: 'Home', to: '/' }]}
        kicker="Team"
      />
      {services.error && <ErrorNote error={services.error} what="Loading the team's running services" />}
      <DeniedNote denied={services.data?.denied} />
      {team.groups.length > 1 && <p className="muted">Including {team.groups.length - 1} sub-group(s)</p>}
      <section className="card" aria-labelledby="running-title">
        <h2 id="running-title">Running services{services.data ? ` (${running.length})` : ''}</h2>
        {services.isPending && <p className="muted">Loading…</p>}
        {services.isSuccess && running.length === 0 && (
          <p className="muted">None of this team's services runs in a watched cluster.</p>
        )}
        {running.length > 0 && <ServicesTable services={running} label="Running services" />}
      </section>
      <Delivery team={teamRef} />
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
