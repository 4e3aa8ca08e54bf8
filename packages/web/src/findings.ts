// The fleet's findings as the API serves them, and how the web app names their severities.
import type { Severity } from '@portolan/core/health/types';

export type { FleetSummaryView as FleetSummary, ServiceFinding } from '@portolan/core/health/fleet';
export { compareFindings, SEVERITY_RANK } from '@portolan/core/health/snapshot';

/** The CSS class (colour) of each severity. */
export const SEVERITY_CLASS: Record<Severity, 'bad' | 'warn' | 'info'> = {
  critical: 'bad',
  warning: 'warn',
  info: 'info',
};
