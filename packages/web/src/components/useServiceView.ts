import type { Finding } from '@portolan/core/health/types';
import { applyPatch, type Json, type JsonPatch } from '@portolan/core/json/patch';
import type { ServiceView } from '@portolan/core/services/types';
import { useEffect, useState } from 'react';
import { api } from '../api.ts';

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'failed';

/**
 * The live service view: the stream sends the whole view first, then each change as a JSON Patch
 * (core's json/patch.ts), applied here; parts of the view a patch does not touch keep their
 * identity, so React re-renders what changed.
 */
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
  // Bumped to start over with a fresh stream when a patch does not fit the view held here.
  const [generation, setGeneration] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new generation is a new stream
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
    source.addEventListener('patch', (event) => {
      const patch = JSON.parse((event as MessageEvent<string>).data) as JsonPatch;
      setView((old) => {
        if (!old) return old;
        try {
          return applyPatch(old as unknown as Json, patch) as unknown as ServiceView;
        } catch {
          // Out of step with the server (a lost event): reconnect for a whole view.
          setGeneration((g) => g + 1);
          return old;
        }
      });
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
  }, [entityRef, generation]);
  return {
    ...(view ? { view } : {}),
    ...(findings ? { findings } : {}),
    state,
    ...(error !== undefined ? { error } : {}),
  };
}
