import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { SlipwayError } from '../../lib/errors.js';
import { log } from '../../lib/log.js';

const logger = log.child({ module: 'server/api' });

/** Largest JSON body the API reads (a secret value is at most 64 KiB). */
export const MAX_JSON_BYTES = 256 * 1024;

/**
 * The one error every API route answers with: `{ error, message }`, `error` a stable code
 * (`unauthorized`, `not_found`, `invalid_input`…), `message` for people. Throw it from a route;
 * `onApiError` turns it into the response.
 */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A JSON error response of the common shape. */
export function errorResponse(
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  message: string,
): Response {
  return c.json({ error: code, message }, status);
}

/** `schema`-checked data, or a 400 `invalid_input` naming each bad field (`body.fullName: …`). */
export function validate<S extends z.ZodType>(
  schema: S,
  input: unknown,
  where: 'body' | 'query',
): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (i) => `${[where, ...i.path.map(String)].join('.')}: ${i.message}`,
  );
  throw new ApiError(400, 'invalid_input', problems.join('; '));
}

/**
 * The request's JSON body (at most MAX_JSON_BYTES) checked against `schema`. With `empty`, a
 * request without a body counts as that value (`{}` for routes whose body is all optional).
 */
export async function jsonBody<S extends z.ZodType>(
  c: Context,
  schema: S,
  opts: { empty?: unknown } = {},
): Promise<z.infer<S>> {
  const declared = Number(c.req.header('content-length') ?? 0);
  if (declared > MAX_JSON_BYTES) throw tooLarge();
  const raw = await c.req.arrayBuffer();
  if (raw.byteLength > MAX_JSON_BYTES) throw tooLarge();
  if (raw.byteLength === 0 && 'empty' in opts) return validate(schema, opts.empty, 'body');
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch {
    throw new ApiError(400, 'invalid_json', 'the request body is not valid UTF-8 JSON');
  }
  return validate(schema, data, 'body');
}

/** The request's query parameters checked against `schema`. */
export function queryOf<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  return validate(schema, c.req.query(), 'query');
}

function tooLarge(): ApiError {
  return new ApiError(413, 'too_large', `the request body is over ${MAX_JSON_BYTES / 1024} KiB`);
}

/** Hono `onError`: ApiError and HTTPException keep their status, a SlipwayError is a 400, the rest a logged 500. */
export const onApiError: ErrorHandler = (err, c) => {
  if (err instanceof ApiError) return errorResponse(c, err.status, err.code, err.message);
  if (err instanceof HTTPException)
    return errorResponse(c, err.status, 'http_error', err.message || 'request refused');
  if (err instanceof SlipwayError && err.category === 'permanent')
    return errorResponse(c, 400, 'invalid_input', err.message);
  logger.error({ err, path: c.req.path, method: c.req.method }, 'API request failed');
  return errorResponse(c, 500, 'internal', 'internal error; the server log has the details');
};

/** Hono `notFound`: 404 `not_found` naming the method and path. */
export const onApiNotFound: NotFoundHandler = (c) =>
  errorResponse(c, 404, 'not_found', `no such endpoint: ${c.req.method} ${c.req.path}`);
