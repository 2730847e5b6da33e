/**
 * The HTTP server shared by every service in a process: one fastify instance, JSON schemas that
 * reject unknown fields and never coerce types (money stays a string), and one error shape:
 * `{ "error": { "code": "<ERROR_CODE>", "message": "...", "details"?: {...} } }`.
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { isAppError, type AppError, type ErrorCode } from '../core/errors.ts';
import type { Logger } from '../core/ports/logger.ts';

export function createHttpServer(logger: Logger, options: { bodyLimit?: number } = {}): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: false } },
  });

  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    if (isAppError(error)) {
      return reply.status(error.status).send(errorBody(error.code, error.message, error.details));
    }
    if (error.validation) {
      return reply.status(400).send(errorBody('INVALID_REQUEST', `${error.validationContext ?? 'request'} ${error.validation[0]?.message ?? 'is invalid'}`.trim(), { issues: error.validation.map((v) => ({ path: v.instancePath, message: v.message, params: v.params })) }));
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      // fastify's own client errors: bad JSON, body too large, unsupported media type.
      return reply.status(error.statusCode).send(errorBody('INVALID_REQUEST', error.message));
    }
    logger.error({ err: error, url: request.url, method: request.method }, 'request failed');
    return reply.status(500).send(errorBody('INTERNAL', 'internal error'));
  });

  app.setNotFoundHandler((request, reply) => reply.status(404).send(errorBody('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)));
  return app;
}

export function errorBody(code: ErrorCode, message: string, details?: Readonly<Record<string, unknown>>) {
  return { error: { code, message, ...(details ? { details } : {}) } };
}
