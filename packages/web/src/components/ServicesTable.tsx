import { SERVICE_STATE_ORDER } from '@portolan/core/health/glance';
import type { ServiceSummary } from '@portolan/core/services/types';
import { Link } from 'react-router';
import { entityPath } from '../api.ts';
import { ErrorNote } from './ErrorNote.tsx';
import { SeverityPills } from './SeverityPills.tsx';
import { useServicesHealth } from './useServicesHealth.ts';

export interface ListedService {
  ref: string;
  name: string;
  title?: string;
  summary: ServiceSummary;
}

/** Services worst first with their state, pods, findings and (optionally) their worst finding. */
export function ServicesTable({
  services,
  worstFinding = false,
  label,
}: {
  services: ListedService[];
  worstFinding?: boolean;
  label: string;
}) {
  const { health, ready, error } = useServicesHealth(services);
  const rows = services
    .map((s) => ({ s, h: health.get(s.ref)! }))
    .sort(
      (a, b) =>
        SERVICE_STATE_ORDER[a.h.state] - SERVICE_STATE_ORDER[b.h.state] ||
        b.h.findings.critical - a.h.findings.critical ||
        b.h.findings.warning - a.h.findings.warning ||
        (a.s.title ?? a.s.name).localeCompare(b.s.title ?? b.s.name),
    );
  return (
    <>
      {error && <ErrorNote error={error} what="Loading the findings of these services" />}
      <div className="table-wrap">
        <table className="grid compact services-table" aria-label={label}>
          <thead>
            <tr>
              <th>Service</th>
              <th>State</th>
              <th className="num">Clusters</th>
              <th className="num">Pods ready</th>
              <th>Findings</th>
              {worstFinding && <th>Worst finding</th>}
            </tr>
          </thead>
          <tbody>
            {rows.map(({ s, h }) => (
              <tr key={s.ref} data-service={s.ref} data-state={ready ? h.state : 'loading'}>
                <td>
                  <Link to={entityPath(s.ref) ?? '/'}>{s.title ?? s.name}</Link>
                </td>
                <td>
                  {ready ? (
                    <span className={`state-badge small ${h.state}`} title={h.reason}>
                      {h.state}
                    </span>
                  ) : (
                    <span className="muted">…</span>
                  )}
                </td>
                <td className="num">{s.summary.clusters}</td>
                <td className={`num ${s.summary.readyPods < s.summary.pods ? 'bad' : ''}`}>
                  {s.summary.readyPods}/{s.summary.pods}
                </td>
                <td>{ready && <SeverityPills counts={h.findings} />}</td>
                {worstFinding && (
                  <td className="small">
                    {h.worst && (
                      <Link to={`${entityPath(s.ref)}#finding-${h.worst.id}`}>{h.worst.summary}</Link>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
