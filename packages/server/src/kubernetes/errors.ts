// A failed call to a cluster, as one of the domain errors, naming the cluster and what was asked.
import { ForbiddenError, InputError, NotFoundError, UnavailableError } from '@portolan/core';
import { errorStatus } from './client.ts';

export function mapClusterError(error: unknown, cluster: string, what: string): Error {
  const status = errorStatus(error);
  const message = error instanceof Error ? error.message : String(error);
  if (status === 404)
    return new NotFoundError(`${what}: not found in cluster ${cluster}: ${message}`, { cluster });
  if (status === 400) return new InputError(`${what}: ${message}`, { cluster });
  if (status === 403)
    return new ForbiddenError(`${what}: cluster ${cluster} forbids it: ${message}`, { cluster });
  if (status === 401)
    return new UnavailableError(`${what}: cluster ${cluster} rejected our credentials: ${message}`, {
      cluster,
    });
  if (error instanceof Error && error.name === 'AbortError') return error;
  return new UnavailableError(`${what}: cluster ${cluster} unavailable: ${message}`, { cluster });
}
