// The domain error family. Server code throws these; one mapper turns them into HTTP status
// codes and one JSON body; one client-side parser turns the body back into an error.

export interface ErrorContext {
  cluster?: string;
  namespace?: string;
  kind?: string;
  name?: string;
  [key: string]: string | number | undefined;
}

export type ErrorName =
  | 'InputError'
  | 'NotFoundError'
  | 'ConflictError'
  | 'ForbiddenError'
  | 'UnavailableError'
  | RequestErrorName;

/**
 * What is wrong with the HTTP request itself rather than with what it asks for; only the HTTP
 * layer raises these, so that each keeps its own status under the one error body.
 */
export type RequestErrorName =
  | 'MethodNotAllowedError'
  | 'PayloadTooLargeError'
  | 'UnsupportedMediaTypeError'
  | 'HeadersTooLargeError';

export abstract class PortolanError extends Error {
  abstract override readonly name: ErrorName;
  readonly context: ErrorContext;
  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.context = context;
  }
}

/** The caller sent something invalid; retrying the same request will fail the same way. */
export class InputError extends PortolanError {
  override readonly name = 'InputError' as const;
}
export class NotFoundError extends PortolanError {
  override readonly name = 'NotFoundError' as const;
}
export class ConflictError extends PortolanError {
  override readonly name = 'ConflictError' as const;
}
/** Not allowed: by the portal's own rules or by a cluster's RBAC. Never retried. */
export class ForbiddenError extends PortolanError {
  override readonly name = 'ForbiddenError' as const;
}
/** A dependency (cluster, database) could not answer; retrying later may succeed. */
export class UnavailableError extends PortolanError {
  override readonly name = 'UnavailableError' as const;
}

/** The route exists, for other methods (the response's Allow header lists them). */
export class MethodNotAllowedError extends PortolanError {
  override readonly name = 'MethodNotAllowedError' as const;
}
export class PayloadTooLargeError extends PortolanError {
  override readonly name = 'PayloadTooLargeError' as const;
}
export class UnsupportedMediaTypeError extends PortolanError {
  override readonly name = 'UnsupportedMediaTypeError' as const;
}
export class HeadersTooLargeError extends PortolanError {
  override readonly name = 'HeadersTooLargeError' as const;
}

export const HTTP_STATUS: Record<ErrorName, number> = {
  InputError: 400,
  ForbiddenError: 403,
  NotFoundError: 404,
  MethodNotAllowedError: 405,
  ConflictError: 409,
  PayloadTooLargeError: 413,
  UnsupportedMediaTypeError: 415,
  HeadersTooLargeError: 431,
  UnavailableError: 503,
};

/** The one JSON body every API error has. */
export interface ErrorBody {
  error: { name: ErrorName | 'InternalError'; message: string; context?: ErrorContext; details?: unknown[] };
  request?: { method: string; url: string };
  /** The status again, as Backstage's error body carries it (its clients read it from here). */
  response?: { statusCode: number };
}

const CONSTRUCTORS: Record<ErrorName, new (message: string, context?: ErrorContext) => PortolanError> = {
  InputError,
  NotFoundError,
  ConflictError,
  ForbiddenError,
  UnavailableError,
  MethodNotAllowedError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  HeadersTooLargeError,
};

/** Client side: turn an API error body back into the matching error class. */
export function parseErrorBody(status: number, body: unknown): Error {
  const error = (body as Partial<ErrorBody> | undefined)?.error;
  if (error && typeof error.message === 'string' && error.name in CONSTRUCTORS) {
    return new CONSTRUCTORS[error.name as ErrorName](error.message, error.context ?? {});
  }
  if (error && typeof error.message === 'string') return new Error(`${error.message} (HTTP ${status})`);
  return new Error(`request failed with HTTP ${status}`);
}
