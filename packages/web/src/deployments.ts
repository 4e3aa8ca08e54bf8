// Deployments as the portal's API serves them, and the live one as its stream sends it. The
// deployment's state, its events and the delivery figures are core's types; the API adds what the
// caller may do now and what each blocked cluster waits for.
// From the modules themselves, not the deploy index: the strategy's parser (yaml, zod) stays out
// of the web bundle.
import {
  type DeploymentState,
  type DeploymentStatus,
  isActiveStatus,
  type StoredEvent,
} from '@portolan/core/deploy/events';
import type { DeliveryFigures, DeliveryMetrics } from '@portolan/core/deploy/metrics';
import { useEffect, useState } from 'react';

export type DeploymentAction = 'pause' | 'resume' | 'approve' | 'cancel' | 'rollback';

export interface Deployment {
  id: string;
  service: string;
  lastSeq: number;
  state: DeploymentState;
  allowedActions: DeploymentAction[];
  blocked: { cluster: string; reason: string }[];
}

export interface DeploymentWithEvents extends Deployment {
  events: StoredEvent[];
}

export interface DeployAccess {
  allowed: boolean;
  actor?: string;
  reason?: string;
}

export interface TeamDeliveryMetrics extends DeliveryMetrics {
  services: ({ service: string } & DeliveryFigures)[];
}

export interface TeamDelivery extends DeliveryFigures {
  team: string;
  services: number;
  deploymentsPerWeek: number;
  weeks: { week: string; deployments: number }[];
}

/** What a deployment ships, in a few words: the version, else the images. */
export function shipped(state: DeploymentState): string {
  if (state.request?.version) return state.request.version;
  const images = Object.values(state.request?.images ?? {});
  return images.length ? images.join(', ') : '—';
}

export const STATUS_CLASS: Record<DeploymentStatus, 'ok' | 'warn' | 'bad' | 'info'> = {
  requested: 'info',
  running: 'info',
  paused: 'warn',
  'rolling-back': 'warn',
  completed: 'ok',
  failed: 'bad',
  cancelled: 'warn',
  'rolled-back': 'warn',
};

export type LiveState = 'connecting' | 'live' | 'ended' | 'reconnecting';

/**
 * One deployment, live: the stream sends the deployment now and again after each new event, and
 * closes when it has ended. Replaces the whole deployment each time (it is small), so the grid
 * shows exactly what the server folded.
 */
export function useLiveDeployment(id: string | undefined): { deployment?: Deployment; state: LiveState } {
  const [deployment, setDeployment] = useState<Deployment>();
  const [state, setState] = useState<LiveState>('connecting');
  useEffect(() => {
    setDeployment(undefined);
    setState('connecting');
    if (!id) return;
    const source = new EventSource(`/api/deployments/${encodeURIComponent(id)}/stream`);
    let ended = false;
    source.addEventListener('deployment', (event) => {
      const d = JSON.parse((event as MessageEvent<string>).data) as Deployment;
      setDeployment(d);
      // Ended with nothing left to do: no event will come (the server's own rule for closing).
      if (!isActiveStatus(d.state.status) && d.allowedActions.length === 0) ended = true;
      if (ended) source.close();
      setState(ended ? 'ended' : 'live');
    });
    source.addEventListener('end', () => {
      ended = true;
      setState('ended');
      source.close();
    });
    source.onerror = () => {
      // EventSource reconnects by itself and the stream starts again with the deployment now.
      if (!ended) setState('reconnecting');
    };
    return () => source.close();
  }, [id]);
  return { ...(deployment ? { deployment } : {}), state };
}
