import type { ServiceState } from '@portolan/core/health/glance';
import { summaryState } from '@portolan/core/health/glance';
import type { ServiceSummary } from '@portolan/core/services/types';
import { useQuery } from '@tanstack/react-query';
import { api } from '../api.ts';
import type { FleetSummary, ServiceFinding } from '../findings.ts';

export interface ServiceHealth {
  state: ServiceState;
  reason: string;
  findings: { critical: number; warning: number; info: number };
  /** The service's worst finding (warning or worse), if any. */
  worst?: ServiceFinding;
}

const NONE = { critical: 0, warning: 0, info: 0 };

/**
 * Health of many services at once from two fleet queries (their finding counts and their worst
 * findings), not one live view each: what the home and team pages list.
 */
export function useServicesHealth(services: { ref: string; summary: ServiceSummary }[]) {
  const refs = services.map((s) => s.ref).sort();
  const key = refs.join(',');
  const counts = useQuery({
    queryKey: ['services-health', key],
    enabled: refs.length > 0,
    refetchInterval: 15_000,
    queryFn: () =>
      api<FleetSummary>(`/api/findings/summary?${new URLSearchParams({ service: key, top: '500' })}`),
  });
  const worst = useQuery({
    queryKey: ['services-worst', key],
    enabled: refs.length > 0,
    refetchInterval: 15_000,
    queryFn: () =>
      api<{ items: ServiceFinding[] }>(
        `/api/findings?${new URLSearchParams({ service: key, minSeverity: 'warning', limit: '1000' })}`,
      ),
  });
  const byService = new Map((counts.data?.worstServices ?? []).map((g) => [g.key, g]));
  const worstOf = new Map<string, ServiceFinding>();
  // Findings come worst first: the first one of a service is its worst.
  for (const f of worst.data?.items ?? []) if (!worstOf.has(f.service)) worstOf.set(f.service, f);
  const health = new Map<string, ServiceHealth>();
  for (const s of services) {
    const g = byService.get(s.ref);
    const findings = g ? { critical: g.critical, warning: g.warning, info: g.info } : NONE;
    const w = worstOf.get(s.ref);
    health.set(s.ref, { ...summaryState(s.summary, findings), findings, ...(w ? { worst: w } : {}) });
  }
  return { health, ready: counts.isSuccess, error: counts.error ?? worst.error };
}
