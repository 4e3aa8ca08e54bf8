import type { Severity } from '@portolan/core/health/types';
import { SEVERITY_CLASS } from '../findings.ts';

const ORDER: Severity[] = ['critical', 'warning', 'info'];

/** Counts by severity as pills, the zero ones left out; `none` when all are zero. */
export function SeverityPills({
  counts,
  none = 'none',
}: {
  counts: Record<Severity, number>;
  none?: string;
}) {
  const shown = ORDER.filter((s) => counts[s] > 0);
  if (shown.length === 0) return <span className="muted">{none}</span>;
  return (
    <>
      {shown.map((s) => (
        <span key={s} className={`pill ${SEVERITY_CLASS[s]}`}>
          {counts[s]} {s}
        </span>
      ))}
    </>
  );
}
