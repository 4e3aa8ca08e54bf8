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
  /** Clusters worst first (findings about the service as a whole, cluster `*`, are left out). */
  clusters: GroupSummary[];
}

/** Where a service runs: its workloads and pods in one cluster. */
export interface Placement {
  service: string;
  cluster: string;
  workloads: number;
  pods: number;
}

/** A service as one cluster's page lists it: what of it runs there, and its findings there. */
export interface ClusterService extends Placement {
  name: string;
  owner?: string;
  system?: string;
  findings: { critical: number; warning: number; info: number };
}

/** What runs in one cluster, by team (owner; services without one last), and its findings. */
export interface ClusterServicesView {
  cluster: string;
  generatedAt: string;
  /** Teams by name; within a team, services worst first, then by name. */
  teams: { owner?: string; services: ClusterService[] }[];
  summary: FindingsSummary;
}
