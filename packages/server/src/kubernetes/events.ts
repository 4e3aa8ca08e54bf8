// A service's recent events across clusters, as the events route shows them.
import type { ClusterObject, KubeEvent } from '@portolan/core';
import type { EventView } from '@portolan/core/services/types';
import { eventTime } from './store.ts';

/** The events among a service's objects, newest first, at most `limit`. */
export function serviceEvents(objects: readonly ClusterObject[], limit: number): EventView[] {
  const events: { cluster: string; event: KubeEvent }[] = [];
  for (const o of objects) if (o.kind === 'Event') events.push({ cluster: o.cluster, event: o.object });
  events.sort((a, b) => eventTime(b.event) - eventTime(a.event));
  return events.slice(0, limit).map(({ cluster, event: ev }) => {
    const view: EventView = {
      cluster,
      namespace: ev.metadata?.namespace ?? '',
      object: {
        ...(ev.involvedObject?.kind ? { kind: ev.involvedObject.kind } : {}),
        ...(ev.involvedObject?.name ? { name: ev.involvedObject.name } : {}),
      },
    };
    if (ev.type) view.type = ev.type;
    if (ev.reason) view.reason = ev.reason;
    if (ev.message) view.message = ev.message;
    if (ev.count !== undefined) view.count = ev.count;
    const first = ev.firstTimestamp ?? ev.eventTime;
    const last = ev.lastTimestamp ?? ev.eventTime ?? ev.firstTimestamp;
    if (first) view.firstTimestamp = first;
    if (last) view.lastTimestamp = last;
    return view;
  });
}
