import type { Socket } from 'node:net';
import { type ErrorBody, type ErrorName, HTTP_STATUS, PortolanError } from '@portolan/core/errors';
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifyServerOptions,
} from 'fastify';

/** The name Fastify's own 4xx errors get in the one body; anything else is an InputError (400). */
const BY_STATUS: Record<number, ErrorName> = {
  404: 'NotFoundError',
  405: 'MethodNotAllowedError',
  413: 'PayloadTooLargeError',
  415: 'UnsupportedMediaTypeError',
  431: 'HeadersTooLargeError',
};

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

function body(name: ErrorBody['error']['name'], message: string, request?: FastifyRequest): ErrorBody {
  return {
    error: { name, message },
    ...(request ? { request: { method: request.method, url: request.url } } : {}),
    response: { statusCode: name === 'InternalError' ? 500 : HTTP_STATUS[name] },
  };
}

function sendFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const name = BY_STATUS[error.statusCode ?? 400] ?? 'InputError';
  return reply.status(HTTP_STATUS[name]).send(body(name, error.message, request));
}

/**
 * Errors Fastify raises before a route runs (a URL that does not decode, a path parameter too
 * long): it would answer them in its own shape.
 */
export const frameworkErrors: NonNullable<FastifyServerOptions['frameworkErrors']> = (
  error,
  request,
  reply,
) => {
  void sendFrameworkError(error, request, reply);
};

/**
 * Errors Node's HTTP parser raises before Fastify sees a request (headers too large, a
 * malformed request line): answered on the raw socket, still in the one body.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const name: ErrorName = error.code === 'HPE_HEADER_OVERFLOW' ? 'HeadersTooLargeError' : 'InputError';
  const status = HTTP_STATUS[name];
  const text = JSON.stringify(
    body(name, name === 'HeadersTooLargeError' ? 'request headers are too large' : 'malformed HTTP request'),
  );
  socket.end(
    `HTTP/1.1 ${status} ${name === 'HeadersTooLargeError' ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
      'Connection: close\r\nContent-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
  );
}

/** The one place where errors become HTTP responses, all with the same JSON body. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | PortolanError | Error, request, reply) => {
    if (error instanceof PortolanError) {
      const status = HTTP_STATUS[error.name];
      const payload: ErrorBody = {
        error: { name: error.name, message: error.message, context: error.context },
        request: { method: request.method, url: request.url },
        response: { statusCode: status },
      };
      return reply.status(status).send(payload);
    }
    const status = (error as FastifyError).statusCode;
    if (status && status >= 400 && status < 500)
      return sendFrameworkError(error as FastifyError, request, reply);
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send(body('InternalError', 'internal error; see the server log', request));
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    // The path exists for other methods: 405 with the methods that work, not 404.
    const allowed = METHODS.filter((method) => {
      if (method === request.method) return false;
      const route = app.findRoute({ method, url: path });
      // The web app's catch-all (`/*`, whose wildcard is the whole path) does not count.
      return route !== null && (route.params as Record<string, string>)['*'] !== path.slice(1);
    });
    if (allowed.length > 0) {
      const name = 'MethodNotAllowedError';
      return reply
        .status(HTTP_STATUS[name])
        .header('allow', allowed.join(', '))
        .send(
          body(name, `${request.method} is not allowed on ${path}; use ${allowed.join(' or ')}`, request),
        );
    }
    return reply.status(404).send(body('NotFoundError', `no route for ${request.method} ${path}`, request));
  });
}
