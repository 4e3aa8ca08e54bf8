import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense } from 'react';
import { api } from '../api.ts';
import type { TeamDeliveryMetrics } from '../deployments.ts';
import { ErrorNote } from './ErrorNote.tsx';

// uPlot and its styles load with the first chart shown, not with the app.
const DeliveryCharts = lazy(() => import('./DeliveryCharts.tsx'));

/** A duration in seconds as people say it. */
export function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 2 * 86_400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

export function percent(rate: number | null): string {
  return rate === null ? '—' : `${Math.round(rate * 100)}%`;
}

/**
 * The delivery metrics of a team (or of the whole fleet without one) over the last twelve weeks:
 * the totals in words, then weekly charts.
 */
export function Delivery({ team }: { team?: string }) {
  const metrics = useQuery({
    queryKey: ['delivery', team ?? ''],
    queryFn: () =>
      api<TeamDeliveryMetrics>(
        `/api/metrics/delivery?${new URLSearchParams({ ...(team ? { team } : {}), bucket: 'week' })}`,
      ),
    refetchInterval: 60_000,
  });
  const m = metrics.data;
  return (
    <section className="card delivery" aria-labelledby="delivery-title">
      <h2 id="delivery-title">Delivery, last {m ? m.weeks.length : 12} weeks</h2>
      {metrics.error && <ErrorNote error={metrics.error} what="Loading the delivery metrics" />}
      {metrics.isPending && <p className="muted">Loading…</p>}
      {m && (
        <>
          <dl className="figures" data-testid="delivery-figures">
            <div>
              <dt>Deployments per week</dt>
              <dd>{m.deploymentsPerWeek.toFixed(2)}</dd>
            </div>
            <div>
              <dt>Change fail rate</dt>
              <dd>
                {percent(m.changeFailRate)}{' '}
                <span className="muted small">
                  ({m.failedChanges} of {m.changes})
                </span>
              </dd>
            </div>
            <div>
              <dt>Lead time, median</dt>
              <dd>{duration(m.leadTime.medianSeconds)}</dd>
            </div>
            <div>
              <dt>Recovery time, median</dt>
              <dd>
                {duration(m.recoveryTime.medianSeconds)}
                {m.unrecovered > 0 && (
                  <span className="muted small"> ({m.unrecovered} not yet recovered)</span>
                )}
              </dd>
            </div>
          </dl>
          {m.deployments + m.changes === 0 ? (
            <p className="muted">No deployment ended in these weeks.</p>
          ) : (
            <Suspense fallback={<p className="muted">Loading the charts…</p>}>
              <DeliveryCharts weeks={m.weeks} />
            </Suspense>
          )}
        </>
      )}
    </section>
  );
}
