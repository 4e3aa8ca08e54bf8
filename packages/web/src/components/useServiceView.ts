import type { Finding } from '@portolan/core/health/types';
import type { ServiceView } from '@portolan/core/services/types';
import { useEffect, useState } from 'react';

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'unavailable';

/** The live service view: the stream sends the whole view first, then each change. */
export function useServiceView(entityRef: string): {
  view?: ServiceView;
  findings?: Finding[];
  state: StreamState;
  error?: string;
} {
  const [view, setView] = useState<ServiceView>();
  const [findings, setFindings] = useState<Finding[]>();
  const [state, setState] = useState<StreamState>('connecting');
  const [error, setError] = useState<string>();
  useEffect(() => {
    setView(undefined);
    setFindings(undefined);
    setState('connecting');
    const source = new EventSource(`/api/services/${encodeURIComponent(entityRef)}/kubernetes/stream`);
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
      if (source.readyState === EventSource.CLOSED) {
        setState('unavailable');
        fetch(`/api/services/${encodeURIComponent(entityRef)}/kubernetes`)
          .then((r) => r.json())
          .then((body: { error?: { message?: string } }) => setError(body.error?.message))
          .catch(() => undefined);
      } else setState('reconnecting');
    };
    return () => source.close();
  }, [entityRef]);
  return { ...(view ? { view } : {}), ...(findings ? { findings } : {}), state, ...(error ? { error } : {}) };
}
