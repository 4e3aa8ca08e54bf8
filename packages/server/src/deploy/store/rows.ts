// How a deployment row reads back, and how a unique-index refusal is recognised on each engine.
import type { DeploymentEvent, DeploymentState, StoredEvent } from '@portolan/core/deploy/index';
import type { DeploymentEventRow, DeploymentRow } from '../../db/tables.ts';

export interface StoredDeployment {
  id: string;
  service: string;
  idempotencyKey?: string;
  /** Seq of its last event. */
  lastSeq: number;
  state: DeploymentState;
}

export function fromRow(row: DeploymentRow): StoredDeployment {
  return {
    id: row.id,
    service: row.service,
    ...(row.idempotency_key ? { idempotencyKey: row.idempotency_key } : {}),
    lastSeq: row.last_seq,
    state: JSON.parse(row.state) as DeploymentState,
  };
}

export function eventFromRow(row: DeploymentEventRow): StoredEvent {
  return { ...(JSON.parse(row.body) as DeploymentEvent), seq: row.seq };
}

export function eventRow(id: string, seq: number, event: DeploymentEvent): DeploymentEventRow {
  return {
    deployment_id: id,
    seq,
    type: event.type,
    actor: event.actor,
    at: event.at,
    body: JSON.stringify(event),
  };
}

/** The columns that follow from the state, written with every event. */
export function stateColumns(state: DeploymentState, active: boolean) {
  return {
    status: state.status,
    active: active ? 1 : null,
    ended_at: state.endedAt ?? null,
    updated_at: state.updatedAt ?? new Date(0).toISOString(),
    state: JSON.stringify(state),
  };
}

/** SQLite says "UNIQUE constraint failed"; PostgreSQL sets code 23505. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; errcode?: string; message?: string } | undefined;
  return e?.code === '23505' || /UNIQUE constraint failed|PRIMARY KEY/i.test(e?.message ?? '');
}
