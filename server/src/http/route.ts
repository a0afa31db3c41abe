import type { OpenAPIRegistry, ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { z, type ZodType } from 'zod';
import { ValidationError, type FieldError } from './errors.js';
import { ProblemSchema } from './schemas.js';
import { IDEMPOTENCY_HEADER, IdempotencyKeyHeaderSchema, REPLAYED_HEADER } from '../idempotency/idempotency-schemas.js';
import { RATE_LIMIT_HEADERS, TOO_MANY_REQUESTS_HEADERS } from './openapi.js';
import { apiKeyGuard, scopeGuard, type Authenticator } from './auth.js';
import type { Scope } from './scopes.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type AnyObject = z.ZodObject<z.ZodRawShape>;

/**
 * How a route authenticates: an API key (holding the route's `scope`), none at all, or a custom
 * guard. A custom guard that admits API keys sets `req.principal` itself (see `RouteContext.authenticate`).
 */
export type RouteAuth = 'apiKey' | 'public' | { guard: RequestHandler; security: RouteConfig['security'] };

/** One response a route may give: its description and, unless it has no body, its schema. */
export interface ResponseSpec {
  description: string;
  schema?: ZodType;
  contentType?: string;
  /** Other content types the same status may carry (e.g. `text/event-stream`): documented, not validated. */
  alternatives?: Record<string, ZodType>;
}

/** The success responses of a route, by status. */
export type ResponseSpecs = Record<number, ResponseSpec>;

/** The JSON body a route may send with status S: what its schema takes (its input type). */
type BodyOf<R extends ResponseSpecs, S extends keyof R> = R[S] extends { schema: infer Z extends ZodType } ? z.input<Z> : never;

/**
 * The response a handler writes to, typed by the route's response schemas: `res.status(201).json(x)`
 * accepts only what the 201 schema takes, and a bare `res.json(x)` what the 200 schema takes. A
 * mapper that forgets or misspells a field therefore fails to compile. Non-JSON bodies (text/vtt,
 * …) go through `send`, as in Express.
 */
export interface TypedResponse<R extends ResponseSpecs, S extends keyof R = 200 extends keyof R ? 200 : keyof R> extends Omit<Response, 'json' | 'status'> {
  status<T extends keyof R & number>(code: T): TypedResponse<R, T>;
  json(body: BodyOf<R, S>): this;
}

/** Everything needed to validate, document and serve one route. */
export interface RouteSpec<P extends AnyObject, Q extends AnyObject, B extends ZodType, R extends ResponseSpecs = ResponseSpecs> {
  method: Method;
  /** Express-style path, e.g. `/v1/rooms/:roomId`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  auth?: RouteAuth;
  /** The scope an API key needs for this operation; required unless `auth` is 'public' or internal. */
  scope?: Scope;
  params?: P;
  query?: Q;
  body?: B;
  /** Success responses; standard error responses are documented automatically. */
  responses: R;
  /** Extra error statuses this route can answer beyond the standard ones. */
  errors?: number[];
  handler: (input: { params: z.output<P>; query: z.output<Q>; body: z.output<B> }, req: Request, res: TypedResponse<R>) => Promise<void> | void;
}

/** Wiring that every route shares. */
export interface RouteContext {
  router: Router;
  registry: OpenAPIRegistry;
  /** Turns an X-API-Key value into its principal (API_SECRET or a stored key). */
  authenticate: Authenticator;
  /**
   * Runs after authentication on every route a principal calls (rate limits, idempotency, usage),
   * in order. Routes with a custom guard get them too once the guard has set `req.principal`.
   */
  afterAuth?: RequestHandler[];
  /** The guard built from `authenticate`, shared by every route (set on first use). */
  apiKeyGuard?: RequestHandler;
  /** Check every JSON response against its schema (NODE_ENV=test): a mismatch throws instead of being sent. */
  validateResponses?: boolean;
}

const ERROR_TITLES: Record<number, string> = {
  400: 'Invalid request (malformed JSON or a field that fails validation)',
  401: 'Missing or invalid credentials',
  403: 'Not allowed for this caller (for an API key: it lacks the scope the operation requires)',
  404: 'Not found',
  409: 'Conflicts with the current state',
  413: 'Body too large',
  415: 'Body is not JSON',
  429: 'The calling key is over its rate limit; retry after Retry-After seconds',
  502: 'An upstream service answered wrongly',
  503: 'A dependency is down or too slow; retry later',
};

/** The optional request header of every POST an API key may call (server/src/idempotency/). */
const IdempotencyHeadersSchema = z.object({ [IDEMPOTENCY_HEADER]: IdempotencyKeyHeaderSchema.optional() });
const REPLAYED_HEADER_DOC = { description: 'Present, as `true`, when this is the stored response of an earlier request with the same Idempotency-Key: the work was not done again.', schema: { type: 'string' as const, enum: ['true'] } };
const IDEMPOTENT_CONFLICT = `${ERROR_TITLES[409]}; or the ${IDEMPOTENCY_HEADER} was first used for a different request, or its first request is still in flight (then with Retry-After)`;

/** True when API keys may call a route, so that `req.principal` is set and the afterAuth middlewares apply. */
function admitsApiKey(auth: RouteAuth): boolean {
  return auth === 'apiKey' || (typeof auth === 'object' && (auth.security ?? []).some((s) => 'apiKey' in s));
}

/** Registers a route on the router and its operation in the OpenAPI registry, from one spec. */
export function defineRoute<P extends AnyObject = AnyObject, Q extends AnyObject = AnyObject, B extends ZodType = ZodType, const R extends ResponseSpecs = ResponseSpecs>(
  ctx: RouteContext,
  spec: RouteSpec<P, Q, B, R>,
): void {
  const auth = spec.auth ?? 'apiKey';
  if (auth === 'apiKey' && !spec.scope) throw new Error(`${spec.method.toUpperCase()} ${spec.path} needs a scope`);
  const errorStatuses = new Set<number>([...(spec.errors ?? []), 503]);
  if (auth !== 'public') errorStatuses.add(401);
  // An operation with a scope is an API-key one, counted against the key's rate limit.
  if (spec.scope) {
    errorStatuses.add(403);
    errorStatuses.add(429);
  }
  if (spec.params || spec.query || spec.body) errorStatuses.add(400);
  // A POST an API key calls takes Idempotency-Key: a malformed one is a 400, a reused or in-flight one a 409.
  const idempotent = spec.method === 'post' && admitsApiKey(auth);
  if (idempotent) {
    errorStatuses.add(400);
    errorStatuses.add(409);
  }
  if (spec.body) {
    errorStatuses.add(413);
    errorStatuses.add(415);
  }

  const responses: RouteConfig['responses'] = {};
  const rateLimited = spec.scope ? { headers: RATE_LIMIT_HEADERS } : {};
  for (const [status, r] of Object.entries(spec.responses)) {
    responses[status] = r.schema
      ? { description: r.description, ...rateLimited, content: { [r.contentType ?? 'application/json']: { schema: r.schema }, ...alternativeContent(r) } }
      : { description: r.description, ...rateLimited };
  }
  if (idempotent) {
    for (const r of Object.values(responses) as ResponseConfig[]) r.headers = { ...(r.headers as Record<string, unknown>), [REPLAYED_HEADER]: REPLAYED_HEADER_DOC } as ResponseConfig['headers'];
  }
  for (const status of [...errorStatuses].sort()) {
    responses[status] = {
      description: (idempotent && status === 409 ? IDEMPOTENT_CONFLICT : ERROR_TITLES[status]) ?? 'Error',
      ...(status === 429 ? { headers: TOO_MANY_REQUESTS_HEADERS } : {}),
      content: { 'application/problem+json': { schema: ProblemSchema } },
    };
  }

  ctx.registry.registerPath({
    method: spec.method,
    path: spec.path.replace(/:(\w+)/g, '{$1}'),
    summary: spec.summary,
    description: spec.scope ? `${spec.description ? `${spec.description}\n\n` : ''}Requires the scope \`${spec.scope}\`.` : spec.description,
    tags: [spec.tag],
    security: auth === 'public' ? [] : auth === 'apiKey' ? [{ apiKey: [spec.scope!] }] : auth.security,
    ...(spec.scope ? { 'x-required-scope': spec.scope } : {}),
    request: {
      params: spec.params,
      query: spec.query,
      headers: idempotent ? IdempotencyHeadersSchema : undefined,
      // A body whose every field is optional may be omitted.
      body: spec.body ? { content: { 'application/json': { schema: spec.body } }, required: !spec.body.safeParse({}).success } : undefined,
    },
    responses,
  });

  const guards: RequestHandler[] =
    auth === 'public' ? [] : auth === 'apiKey' ? [ctx.apiKeyGuard ??= apiKeyGuard(ctx.authenticate), scopeGuard(spec.scope!)] : [auth.guard];
  if (auth !== 'public' && ctx.afterAuth) guards.push(...ctx.afterAuth);
  const handle = async (req: Request, res: Response, next: NextFunction) => {
    try {
      const errors: FieldError[] = [];
      const params = parsePart('params', spec.params, req.params, errors);
      const query = parsePart('query', spec.query, req.query, errors);
      const body = parsePart('body', spec.body, req.body ?? {}, errors);
      if (errors.length > 0) throw new ValidationError(errors);
      await spec.handler({ params, query, body } as never, req, (ctx.validateResponses ? validating(res, spec.responses) : res) as unknown as TypedResponse<R>);
    } catch (err) {
      next(err);
    }
  };
  ctx.router[spec.method](spec.path, ...guards, handle);
}

/** The OpenAPI content entries of a response's alternative content types. */
function alternativeContent(r: ResponseSpec): Record<string, { schema: ZodType }> {
  return Object.fromEntries(Object.entries(r.alternatives ?? {}).map(([type, schema]) => [type, { schema }]));
}

function parsePart(where: string, schema: ZodType | undefined, value: unknown, errors: FieldError[]): unknown {
  if (!schema) return {};
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    errors.push({ field: [where, ...issue.path.map(String)].join('.'), message: issue.message });
  }
  return undefined;
}

/** Thrown (NODE_ENV=test) when a handler sends a body its response schema does not accept. */
export class ResponseContractError extends Error {
  override name = 'ResponseContractError';
}

/** `res` whose json() checks the body against the schema of the status set so far. */
function validating(res: Response, responses: ResponseSpecs): Response {
  const json = res.json.bind(res);
  res.json = (body: unknown) => {
    const schema = responses[res.statusCode]?.schema;
    if (!schema) throw new ResponseContractError(`status ${res.statusCode} is not a documented response of ${res.req.method} ${res.req.route?.path ?? res.req.path}`);
    const checked = schema.safeParse(body);
    if (!checked.success) {
      const issues = checked.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
      throw new ResponseContractError(`${res.req.method} ${res.req.route?.path ?? res.req.path} answered ${res.statusCode} with a body its schema rejects: ${issues}`);
    }
    return json(body);
  };
  return res;
}
