import type { ServiceSummary } from '@portolan/core/services/types';
import { useQueries, useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Link } from 'react-router';
import { api, type EntityPage, entityPath, refOf, shortRef } from '../api.ts';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { type ListedService, ServicesTable } from '../components/ServicesTable.tsx';
import type { ServiceFinding } from '../findings.ts';
import { useMyTeams } from '../teams.ts';

interface TeamServices {
  items: { ref: string; name: string; title?: string; kind: string; summary: ServiceSummary }[];
}

const CRITICAL_SHOWN = 10;

/** Where a service owner starts: their teams' services first, then what is critical in the fleet. */
export function HomePage() {
  const [teams, setTeams] = useMyTeams();
  const [editing, setEditing] = useState(false);
  const owned = useQueries({
    queries: teams.map((t) => ({
      queryKey: ['team-services', t],
      queryFn: () => api<TeamServices>(`/api/teams/${encodeURIComponent(t)}/services`),
      refetchInterval: 15_000,
    })),
  });
  // One row per service, even when two picked teams own it (a team and its sub-group).
  const mine = new Map<string, ListedService>();
  for (const q of owned) for (const s of q.data?.items ?? []) mine.set(s.ref, s);
  const critical = useQuery({
    queryKey: ['findings', 'severity=critical', CRITICAL_SHOWN],
    queryFn: () =>
      api<{ items: ServiceFinding[]; totalItems: number }>(
        `/api/findings?severity=critical&limit=${CRITICAL_SHOWN}`,
      ),
    refetchInterval: 15_000,
  });
  return (
    <section>
      <PageHeader title="Home" />
      <section className="card" aria-labelledby="mine-title">
        <h2 id="mine-title">My services</h2>
        {teams.length === 0 || editing ? (
          <TeamPicker
            teams={teams}
            onChange={setTeams}
            {...(teams.length > 0 ? { onDone: () => setEditing(false) } : {})}
          />
        ) : (
          <p className="small">
            Teams:{' '}
            {teams.map((t) => (
              <Link key={t} className="rel" to={entityPath(t, 'group') ?? '/'}>
                {shortRef(t, 'group')}
              </Link>
            ))}{' '}
            <button type="button" className="linklike" onClick={() => setEditing(true)}>
              change
            </button>
          </p>
        )}
        {owned.map((q, i) =>
          q.error ? (
            <ErrorNote key={teams[i]} error={q.error} what={`Loading the services of ${teams[i]}`} />
          ) : null,
        )}
        {teams.length > 0 && owned.every((q) => q.isSuccess) && mine.size === 0 && (
          <p className="muted">These teams own no services in the catalog.</p>
        )}
        {mine.size > 0 && <ServicesTable services={[...mine.values()]} worstFinding label="My services" />}
      </section>
      <section className="card" aria-labelledby="critical-title">
        <h2 id="critical-title">
          Critical in the fleet{critical.data ? ` (${critical.data.totalItems})` : ''}
          {critical.data && critical.data.totalItems > critical.data.items.length && (
            <>
              {' '}
              <Link className="small" to="/findings?severity=critical">
                all of them
              </Link>
            </>
          )}
        </h2>
        {critical.error && <ErrorNote error={critical.error} what="Loading the fleet's critical findings" />}
        {critical.data?.totalItems === 0 && <p className="ok-text">Nothing critical anywhere.</p>}
        <ul className="plain critical-findings">
          {critical.data?.items.map((f) => (
            <li key={`${f.service}/${f.id}`}>
              <Link to={`${entityPath(f.service)}#finding-${f.id}`}>{f.summary}</Link>{' '}
              <span className="muted small">
                {shortRef(f.service)} · {f.object.cluster}
                {f.owner && ` · ${shortRef(f.owner, 'group')}`}
              </span>
            </li>
          ))}
        </ul>
      </section>
    </section>
  );
}

/** Pick teams from the catalog's groups; the choice is remembered in this browser. */
function TeamPicker({
  teams,
  onChange,
  onDone,
}: {
  teams: string[];
  onChange: (teams: string[]) => void;
  onDone?: () => void;
}) {
  const listId = useId();
  const [text, setText] = useState('');
  const groups = useQuery({
    queryKey: ['groups'],
    queryFn: () => api<EntityPage>('/api/catalog/entities?kind=group&limit=500'),
    staleTime: 60_000,
  });
  const refs = (groups.data?.items ?? []).map(refOf);
  const add = () => {
    const wanted = text.trim().toLowerCase();
    const ref = refs.find((r) => r === wanted || shortRef(r, 'group') === wanted);
    if (ref) {
      onChange([...teams, ref]);
      setText('');
    }
  };
  return (
    <div className="team-picker">
      <p>Pick your team(s) once; this browser remembers them.</p>
      {groups.error && <ErrorNote error={groups.error} what="Loading the teams" />}
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          add();
        }}
      >
        <input
          aria-label="Team"
          placeholder="Team name"
          list={listId}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <datalist id={listId}>
          {refs
            .filter((r) => !teams.includes(r))
            .map((r) => (
              <option key={r} value={shortRef(r, 'group')} />
            ))}
        </datalist>
        <button type="submit">Add team</button>
        {onDone && (
          <button type="button" onClick={onDone}>
            Done
          </button>
        )}
      </form>
      {teams.length > 0 && (
        <ul className="plain chosen-teams">
          {teams.map((t) => (
            <li key={t}>
              {shortRef(t, 'group')}{' '}
              <button
                type="button"
                className="linklike small"
                aria-label={`Remove ${shortRef(t, 'group')}`}
                onClick={() => onChange(teams.filter((x) => x !== t))}
              >
                remove
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
