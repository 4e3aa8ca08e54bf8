import { type ErrorBody, HTTP_STATUS, PortolanError } from '@portolan/core/errors';
import type { FastifyError, FastifyInstance } from 'fastify';

/** The one place where errors become HTTP responses, all with the same JSON body. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | PortolanError | Error, request, reply) => {
    const req = { method: request.method, url: request.url };
    if (error instanceof PortolanError) {
      const status = HTTP_STATUS[error.name];
      const body: ErrorBody = {
        error: { name: error.name, message: error.message, context: error.context },
        request: req,
        response: { statusCode: status },
      };
      return reply.status(status).send(body);
    }
    const status = (error as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) {
      const body: ErrorBody = {
        error: { name: status === 404 ? 'NotFoundError' : 'InputError', message: error.message },
        request: req,
        response: { statusCode: status === 404 ? 404 : 400 },
      };
      return reply.status(status === 404 ? 404 : 400).send(body);
    }
    request.log.error({ err: error }, 'request failed');
    const body: ErrorBody = {
      error: { name: 'InternalError', message: 'internal error; see the server log' },
      request: req,
      response: { statusCode: 500 },
    };
    return reply.status(500).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = {
      error: {
        name: 'NotFoundError',
        message: `no route for ${request.method} ${request.url.split('?')[0]}`,
      },
      request: { method: request.method, url: request.url },
      response: { statusCode: 404 },
    };
    return reply.status(404).send(body);
  });
}
