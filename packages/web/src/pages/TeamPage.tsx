import { useQuery } from '@tanstack/react-query';
import { type ApiEntity, api, entityPath, refOf } from '../api.ts';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { Link } from '../router.tsx';

interface Team {
  group: ApiEntity;
  groups: string[];
  owned: ApiEntity[];
}

export function TeamPage({ teamRef }: { teamRef: string }) {
  const query = useQuery({
    queryKey: ['team', teamRef],
    queryFn: () => api<Team>(`/api/catalog/teams/${encodeURIComponent(teamRef)}`),
  });
  if (query.error) return <ErrorNote error={query.error} />;
  const team = query.data;
  if (!team) return <p className="muted">Loading…</p>;
  const byKind = new Map<string, ApiEntity[]>();
  for (const e of team.owned) byKind.set(e.kind, [...(byKind.get(e.kind) ?? []), e]);
  return (
    <article>
      <p className="muted">Team</p>
      <h1>{team.group.metadata.title ?? team.group.metadata.name}</h1>
      {team.groups.length > 1 && <p className="muted">Including {team.groups.length - 1} sub-group(s)</p>}
      {[...byKind].map(([kind, entities]) => (
        <section key={kind} className="card">
          <h2>
            {kind} ({entities.length})
          </h2>
          <ul className="plain">
            {entities.map((e) => (
              <li key={refOf(e)}>
                <Link to={entityPath(refOf(e))}>{e.metadata.title ?? e.metadata.name}</Link>{' '}
                <span className="muted">{e.metadata.description}</span>
              </li>
            ))}
          </ul>
        </section>
      ))}
      {team.owned.length === 0 && <p className="muted">This team owns nothing in the catalog yet.</p>}
    </article>
  );
}
