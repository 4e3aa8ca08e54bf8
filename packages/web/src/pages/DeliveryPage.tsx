import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, entityPath, shortRef } from '../api.ts';
import { Delivery, duration, percent } from '../components/Delivery.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import type { TeamDelivery } from '../deployments.ts';

/** The fleet's delivery: its weekly charts, then every team side by side, busiest first. */
export function DeliveryPage() {
  const teams = useQuery({
    queryKey: ['delivery-teams'],
    queryFn: () =>
      api<{ since: string; until: string; items: TeamDelivery[] }>('/api/metrics/delivery/teams'),
    refetchInterval: 60_000,
  });
  const items = teams.data?.items ?? [];
  const busiest = Math.max(...items.map((t) => t.deploymentsPerWeek), 0);
  return (
    <article>
      <PageHeader title="Delivery" crumbs={[{ label: 'Home', to: '/' }]} kicker="Fleet" />
      <Delivery />
      <section className="card" aria-labelledby="teams-title">
        <h2 id="teams-title">Teams compared{teams.data ? ` (${items.length})` : ''}</h2>
        {teams.error && <ErrorNote error={teams.error} what="Loading the teams' delivery metrics" />}
        {teams.isPending && <p className="muted">Loading…</p>}
        {teams.isSuccess && items.length === 0 && (
          <p className="muted">No team's service has been deployed yet.</p>
        )}
        {items.length > 0 && (
          <div className="table-scroll">
            <table className="grid delivery-teams">
              <thead>
                <tr>
                  <th scope="col">Team</th>
                  <th scope="col">Services</th>
                  <th scope="col">Deployments per week</th>
                  <th scope="col">Change fail rate</th>
                  <th scope="col">Lead time, median</th>
                  <th scope="col">Recovery time, median</th>
                </tr>
              </thead>
              <tbody>
                {items.map((t) => (
                  <tr key={t.team} data-team={t.team}>
                    <th scope="row">
                      <Link to={entityPath(t.team, 'group') ?? '/'}>{shortRef(t.team, 'group')}</Link>
                    </th>
                    <td className="num">{t.services}</td>
                    <td className="num bar-cell">
                      <span
                        className="bar"
                        aria-hidden="true"
                        style={{ width: `${busiest ? (100 * t.deploymentsPerWeek) / busiest : 0}%` }}
                      />
                      <span className="bar-value">{t.deploymentsPerWeek.toFixed(2)}</span>
                    </td>
                    <td className="num">{percent(t.changeFailRate)}</td>
                    <td className="num">{duration(t.leadTime.medianSeconds)}</td>
                    <td className="num">{duration(t.recoveryTime.medianSeconds)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </article>
  );
}
