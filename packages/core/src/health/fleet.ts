// The fleet's findings as the API serves them (/api/findings and its summary): shapes shared by
// the server that builds them and the web app that shows them.
import type { FindingsSummary, RollUp } from './rollup.ts';
import type { Finding } from './types.ts';

/** A finding with the service it was found on. One object claimed by two services appears twice. */
export interface ServiceFinding extends Finding {
  service: string;
  owner?: string;
  system?: string;
}

export type GroupSummary = Omit<RollUp, 'findings'> & { services?: number };

export interface FleetSummaryView {
  generatedAt: string;
  durationMs: number;
  entities: number;
  servicesWithObjects: number;
  summary: FindingsSummary;
  /** Services worst first. */
  worstServices: GroupSummary[];
  /** Teams (owners) worst first, with how many of their services have findings. */
  teams: GroupSummary[];
  systems: GroupSummary[];
}
