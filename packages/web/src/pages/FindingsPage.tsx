import type { Severity } from '@portolan/core/health/types';
import type { ClusterState } from '@portolan/core/services/types';
import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { api, entityPath, shortRef } from '../api.ts';
import { type Denied, DeniedNote } from '../components/DeniedNote.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { type FleetSummary, SEVERITY_CLASS, type ServiceFinding } from '../findings.ts';

const FILTERS = ['severity', 'rule', 'cluster', 'owner'] as const;
const SEVERITIES: Severity[] = ['critical', 'warning', 'info'];
const PAGE = 200;

/** Triage: the fleet's findings, worst services, teams and systems first, filtered from the URL. */
export function FindingsPage() {
  const [search, setSearch] = useSearchParams();
  const filter = new URLSearchParams();
  for (const key of FILTERS) {
    const value = search.get(key);
    if (value) filter.set(key, value);
  }
  const setParam = (key: string, value: string) =>
    setSearch((old) => {
      const next = new URLSearchParams(old);
      if (value) next.set(key, value);
      else next.delete(key);
      return next;
    });
  const summary = useQuery({
    queryKey: ['findings-summary', filter.toString()],
    queryFn: () => api<FleetSummary>(`/api/findings/summary?${filter}&top=10`),
    refetchInterval: 15_000,
  });
  const list = useQuery({
    queryKey: ['findings', filter.toString()],
    queryFn: () =>
      api<{ items: ServiceFinding[]; totalItems: number; denied?: Denied[] }>(
        `/api/findings?${filter}&limit=${PAGE}`,
      ),
    refetchInterval: 15_000,
  });
  const clusters = useQuery({
    queryKey: ['clusters'],
    queryFn: () => api<{ items: ClusterState[] }>('/api/clusters'),
  });
  const s = summary.data?.summary;
  const rules = Object.keys(s?.byRule ?? {}).sort();
  const rule = search.get('rule') ?? '';
  if (rule && !rules.includes(rule)) rules.push(rule);

  return (
    <section>
      <PageHeader title="Findings" crumbs={[{ label: 'Home', to: '/' }]} />
      <DeniedNote denied={list.data?.denied} />
      <search className="filters">
        <select
          aria-label="Severity"
          value={search.get('severity') ?? ''}
          onChange={(e) => setParam('severity', e.target.value)}
        >
          <option value="">Any severity</option>
          {SEVERITIES.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
        <select aria-label="Rule" value={rule} onChange={(e) => setParam('rule', e.target.value)}>
          <option value="">Any rule</option>
          {rules.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
        <select
          aria-label="Cluster"
          value={search.get('cluster') ?? ''}
          onChange={(e) => setParam('cluster', e.target.value)}
        >
          <option value="">Any cluster</option>
          {(clusters.data?.items ?? []).map((c) => (
            <option key={c.cluster} value={c.cluster}>
              {c.cluster}
            </option>
          ))}
        </select>
        <input
          aria-label="Owner"
          placeholder="Owner, e.g. payments"
          key={search.get('owner') ?? ''}
          defaultValue={search.get('owner') ?? ''}
          onBlur={(e) => setParam('owner', e.target.value.trim())}
          onKeyDown={(e) => e.key === 'Enter' && setParam('owner', e.currentTarget.value.trim())}
        />
        {filter.size > 0 && <Link to="/findings">Clear filters</Link>}
      </search>
      {summary.error && <ErrorNote error={summary.error} what="Loading the findings summary" />}
      {summary.isPending && <p className="muted loading">Evaluating the fleet…</p>}
      {s && summary.data && (
        <div className="counts">
          {SEVERITIES.map((v) => (
            <span key={v} className={`pill ${SEVERITY_CLASS[v]}`}>
              {s[v]} {v}
            </span>
          ))}
          <span className="muted">
            in {summary.data.servicesWithObjects} running services, evaluated{' '}
            {new Date(summary.data.generatedAt).toLocaleTimeString()}
          </span>
        </div>
      )}
      {summary.data && (
        <div className="columns three">
          <Ranking
            title="Worst services"
            id="rank-services"
            items={summary.data.worstServices}
            link={(key) => `${entityPath(key)}#findings`}
          />
          <Ranking
            title="Worst teams"
            id="rank-teams"
            items={summary.data.teams}
            link={(key) => entityPath(key, 'group')}
            filter={(key) => setParam('owner', key)}
          />
          <Ranking
            title="Worst systems"
            id="rank-systems"
            items={summary.data.systems}
            link={(key) => entityPath(key, 'system')}
          />
        </div>
      )}
      <section className="card" aria-labelledby="all-findings">
        <h2 id="all-findings">
          {list.data ? `${list.data.totalItems} findings` : 'Findings'}
          {list.data && list.data.totalItems > list.data.items.length && (
            <span className="muted small"> (the worst {list.data.items.length} shown)</span>
          )}
        </h2>
        {list.error && <ErrorNote error={list.error} what="Loading the findings" />}
        {list.isPending && <p className="muted">Loading…</p>}
        {list.data?.totalItems === 0 && (
          <p className="ok-text">{filter.size > 0 ? 'No findings match these filters.' : 'No findings.'}</p>
        )}
        {list.data && list.data.items.length > 0 && (
          <div className="table-wrap">
            <table className="grid compact findings-table">
              <thead>
                <tr>
                  <th>Severity</th>
                  <th>What</th>
                  <th>Service</th>
                  <th>Cluster</th>
                  <th>Owner</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((f) => (
                  <tr key={`${f.service}/${f.id}`}>
                    <td>
                      <span className={`pill ${SEVERITY_CLASS[f.severity]}`}>{f.severity}</span>
                    </td>
                    <td>
                      <Link to={`${entityPath(f.service)}#finding-${f.id}`}>{f.summary}</Link>
                      <div className="muted small">
                        {f.rule} · {f.object.kind} {f.object.namespace}/{f.object.name}
                      </div>
                    </td>
                    <td>
                      <Link to={entityPath(f.service) ?? '/'}>{shortRef(f.service)}</Link>
                    </td>
                    <td>{f.object.cluster === '*' ? 'all' : f.object.cluster}</td>
                    <td>{f.owner && <Link to={entityPath(f.owner) ?? '/'}>{shortRef(f.owner)}</Link>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </section>
  );
}

function Ranking({
  title,
  id,
  items,
  link,
  filter,
}: {
  title: string;
  id: string;
  items: FleetSummary['worstServices'];
  link: (key: string) => string | undefined;
  filter?: (key: string) => void;
}) {
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {items.length === 0 && <p className="muted">None</p>}
      <ol className="rank" data-testid={id}>
        {items.map((g) => (
          <li key={g.key}>
            <span>
              <Link to={link(g.key) ?? '/'}>{shortRef(g.key)}</Link>
              {filter && ' '}
              {filter && (
                <button
                  type="button"
                  className="linklike small"
                  onClick={() => filter(g.key)}
                  aria-label={`filter to ${shortRef(g.key)}`}
                >
                  filter
                </button>
              )}
            </span>
            <span>
              {g.critical > 0 && <span className="pill bad">{g.critical} critical</span>}
              {g.warning > 0 && <span className="pill warn">{g.warning} warning</span>}
              {g.critical + g.warning === 0 && <span className="pill info">{g.info} info</span>}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}
