import createFetchClient, { type Client, type FetchResponse, type MaybeOptionalInit, type Middleware } from 'openapi-fetch';
import { RtcstackError } from './errors.js';
import { events, type EventsOptions, type RtcstackEvent } from './events.js';
import type { paths } from './generated/schema.js';
import { paginate, type ListPath, type ListItem, type PaginateOptions } from './paginate.js';
import { retryingFetch, type Fetch, type RetryOptions } from './retry.js';

/** How to reach the API and how patient to be with it. */
export interface ClientOptions {
  /** Where the control plane answers, e.g. `https://video.example.com` (no `/v1`). */
  baseUrl: string;
  /** An API key (`rtc_live_…`) or the deployment's API_SECRET; sent as X-API-Key. */
  apiKey: string;
  /** The fetch to send through (defaults to the global one); tests and proxies plug in here. */
  fetch?: Fetch;
  /** Retries of 429, 503 and network errors (on by default; `false` turns them off). */
  retry?: RetryOptions | false;
  /** Give every POST an Idempotency-Key of its own when the caller did not (default true). */
  idempotencyKeys?: boolean;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
}

type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch';
// The typed methods read JSON: a route's other representations (the SSE of GET /v1/events) have helpers of their own.
type Media = 'application/json';
/** The API's paths that answer a method. */
export type PathsWith<M extends HttpMethod> = { [P in keyof paths]: paths[P] extends { [K in M]: unknown } ? P : never }[keyof paths];
type RequiredKeysOf<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
type InitParam<Init> = RequiredKeysOf<Init> extends never ? [(Init & { [key: string]: unknown })?] : [Init & { [key: string]: unknown }];

/** What a successful call gives: the typed body of the 2xx response, and the response itself. */
export interface Success<T> {
  data: T;
  response: Response;
}
type SuccessOf<R> = R extends { data: infer D; error?: never } ? Success<D> : never;

/** One typed method: the path and its params/body are checked against the OpenAPI document. */
export type ClientMethod<M extends HttpMethod> = <P extends PathsWith<M>, Init extends MaybeOptionalInit<paths[P], M>>(
  url: P,
  ...init: InitParam<Init>
) => Promise<SuccessOf<FetchResponse<Extract<paths[P][M], Record<string | number, unknown>>, Init, Media>>>;

/**
 * The rtcstack API, typed from its OpenAPI document. Every method resolves with the 2xx body as
 * `data`, or rejects with an RtcstackError carrying the problem+json the server sent.
 */
export interface RtcstackClient {
  GET: ClientMethod<'get'>;
  POST: ClientMethod<'post'>;
  PUT: ClientMethod<'put'>;
  PATCH: ClientMethod<'patch'>;
  DELETE: ClientMethod<'delete'>;
  /** Live events (GET /v1/events as Server-Sent Events), resumed after a dropped connection. */
  events(opts?: EventsOptions): AsyncGenerator<RtcstackEvent, void, undefined>;
  /** Every item of a cursor-paginated list, page after page, following `nextCursor`. */
  paginate<P extends ListPath>(path: P, opts?: PaginateOptions<P>): AsyncGenerator<ListItem<P>, void, undefined>;
  /** The underlying openapi-fetch client ({ data, error } results, no throwing), for middleware via `use()`. */
  raw: Client<paths, Media>;
}

/**
 * Creates a client. Requests carry the API key; POSTs get an Idempotency-Key made once per call, so
 * the retries of one call are one operation on the server; 429, 503 and network failures are
 * retried (idempotent methods, and POSTs that carry a key), honouring Retry-After.
 */
export function createClient(opts: ClientOptions): RtcstackClient {
  const baseUrl = opts.baseUrl.replace(/\/+$/, '');
  const baseFetch: Fetch = opts.fetch ?? ((request) => globalThis.fetch(request));
  const send = opts.retry === false ? baseFetch : retryingFetch(baseFetch, opts.retry);
  const headers = { ...opts.headers, 'X-API-Key': opts.apiKey };
  const raw = createFetchClient<paths, Media>({ baseUrl, fetch: send, headers });
  if (opts.idempotencyKeys !== false) raw.use(idempotencyKeys);

  // openapi-fetch answers { data } or { error }; the SDK throws the error instead, so `data` is always the 2xx body.
  const call = (m: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE') => async (url: string, init?: object) => {
    const r = await (raw[m] as (u: string, i?: object) => Promise<{ data?: unknown; error?: unknown; response: Response }>)(url, init);
    if (r.error !== undefined || !r.response.ok) throw new RtcstackError(r.response, r.error);
    return { data: r.data, response: r.response };
  };
  const get = call('GET');

  return {
    GET: get as ClientMethod<'get'>,
    POST: call('POST') as ClientMethod<'post'>,
    PUT: call('PUT') as ClientMethod<'put'>,
    PATCH: call('PATCH') as ClientMethod<'patch'>,
    DELETE: call('DELETE') as ClientMethod<'delete'>,
    events: (o = {}) => events({ baseUrl, headers, fetch: baseFetch, retry: opts.retry === false ? undefined : opts.retry }, o),
    paginate: (path, o) => paginate(get, path, o),
    raw,
  };
}

/** A fresh Idempotency-Key on every POST that has none: made before the retry loop, so all its tries share it. */
const idempotencyKeys: Middleware = {
  onRequest({ request }) {
    if (request.method === 'POST' && !request.headers.has('idempotency-key')) request.headers.set('Idempotency-Key', globalThis.crypto.randomUUID());
  },
};
