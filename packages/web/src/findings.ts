// The fleet's findings as the API serves them, and how the web app names their severities.
import type { Severity } from '@portolan/core/health/types';

export { compareFindings, SEVERITY_RANK } from '@portolan/core/health/snapshot';
export type { FleetSummaryView as FleetSummary, ServiceFinding } from '@portolan/server/health/fleet';

/** The CSS class (colour) of each severity. */
export const SEVERITY_CLASS: Record<Severity, 'bad' | 'warn' | 'info'> = {
  critical: 'bad',
  warning: 'warn',
  info: 'info',
};
