import type { Finding } from '@portolan/core/health/types';
import type { ServiceView } from '@portolan/core/services/types';
import { useEffect, useState } from 'react';
import { api } from '../api.ts';

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'failed';

/** The live service view: the stream sends the whole view first, then each change. */
export function useServiceView(entityRef: string): {
  view?: ServiceView;
  findings?: Finding[];
  state: StreamState;
  /** Why the stream failed, as the server says it (or that it did not answer). */
  error?: unknown;
} {
  const [view, setView] = useState<ServiceView>();
  const [findings, setFindings] = useState<Finding[]>();
  const [state, setState] = useState<StreamState>('connecting');
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    setView(undefined);
    setFindings(undefined);
    setState('connecting');
    setError(undefined);
    const path = `/api/services/${encodeURIComponent(entityRef)}/kubernetes`;
    const source = new EventSource(`${path}/stream`);
    source.addEventListener('view', (event) => {
      setView(JSON.parse((event as MessageEvent<string>).data) as ServiceView);
      setState('live');
      setError(undefined);
    });
    // Findings follow the view: all of them first, then whenever one appears or clears.
    source.addEventListener('findings', (event) => {
      setFindings((JSON.parse((event as MessageEvent<string>).data) as { findings: Finding[] }).findings);
    });
    source.onerror = () => {
      // EventSource reconnects by itself; a closed source means the server refused the stream.
      // Ask the same question without streaming to learn why.
      if (source.readyState === EventSource.CLOSED) {
        setState('failed');
        api<ServiceView>(path).then(
          () => setError(new Error('the live stream was refused, though the service view loads; reload')),
          (e: unknown) => setError(e),
        );
      } else setState('reconnecting');
    };
    return () => source.close();
  }, [entityRef]);
  return {
    ...(view ? { view } : {}),
    ...(findings ? { findings } : {}),
    state,
    ...(error !== undefined ? { error } : {}),
  };
}
