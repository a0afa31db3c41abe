/** Base URI for every problem `type` this API emits. */
export const PROBLEM_BASE = 'https://rtcstack.dev/errors/';

/** One field that failed validation, as reported in a problem's `errors` member. */
export interface FieldError {
  /** Where the value came from and its path, e.g. `body.role` or `params.roomId`. */
  readonly field: string;
  readonly message: string;
}

/**
 * An error that knows its HTTP status and RFC 9457 problem type. Throw it from anywhere;
 * the problem middleware turns it into `application/problem+json`.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    detail: string,
    readonly extra: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(detail, options);
    this.name = new.target.name;
  }

  /** The problem `type` URI. */
  get type(): string {
    return PROBLEM_BASE + this.slug;
  }
}

/** 400: the request is malformed in a way that is not a field-level validation failure. */
export class BadRequestError extends HttpError {
  constructor(detail: string, extra?: Record<string, unknown>) {
    super(400, 'bad-request', 'Bad Request', detail, extra);
  }
}

/** 400: one or more fields failed schema validation; `errors` names each. */
export class ValidationError extends HttpError {
  constructor(readonly errors: FieldError[]) {
    super(400, 'validation', 'Validation Failed', `Invalid request: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, { errors });
  }
}

/** 401: missing or wrong credentials. */
export class UnauthorizedError extends HttpError {
  constructor(detail = 'Missing or invalid X-API-Key header') {
    super(401, 'unauthorized', 'Unauthorized', detail);
  }
}

/** 403: the caller is known but may not do this. */
export class ForbiddenError extends HttpError {
  constructor(detail: string, extra?: Record<string, unknown>) {
    super(403, 'forbidden', 'Forbidden', detail, extra);
  }
}

/** 403 for a key without the scope an operation needs; the problem names it in `requiredScope`. */
export class MissingScopeError extends HttpError {
  constructor(readonly requiredScope: string) {
    super(403, 'missing-scope', 'Missing Scope', `This API key lacks the scope ${requiredScope}`, { requiredScope });
  }
}

/** 404: the resource (or route) does not exist. */
export class NotFoundError extends HttpError {
  constructor(detail: string) {
    super(404, 'not-found', 'Not Found', detail);
  }
}

/** 409: the request conflicts with the resource's current state. */
export class ConflictError extends HttpError {
  constructor(detail: string) {
    super(409, 'conflict', 'Conflict', detail);
  }
}

/** 413: the body is larger than the configured limit. */
export class PayloadTooLargeError extends HttpError {
  constructor(detail: string) {
    super(413, 'payload-too-large', 'Payload Too Large', detail);
  }
}

/** 415: the body is not JSON. */
export class UnsupportedMediaTypeError extends HttpError {
  constructor(detail: string) {
    super(415, 'unsupported-media-type', 'Unsupported Media Type', detail);
  }
}

/** 429: the caller's key is over its rate limit; the problem handler sends `Retry-After`. */
export class TooManyRequestsError extends HttpError {
  constructor(
    detail: string,
    readonly retryAfterSeconds: number,
    extra?: Record<string, unknown>,
  ) {
    super(429, 'rate-limited', 'Too Many Requests', detail, extra);
  }
}

/** 502: an upstream service (LiveKit, S3, a sidecar) answered, but wrongly. */
export class BadGatewayError extends HttpError {
  constructor(detail: string, options?: ErrorOptions) {
    super(502, 'bad-gateway', 'Bad Gateway', detail, {}, options);
  }
}

/** 503: a dependency is down, unreachable or too slow; safe to retry later. */
export class ServiceUnavailableError extends HttpError {
  constructor(detail: string, options?: ErrorOptions & { retryAfterSeconds?: number }) {
    super(503, 'service-unavailable', 'Service Unavailable', detail, {}, options);
    this.retryAfterSeconds = options?.retryAfterSeconds ?? 5;
  }
  readonly retryAfterSeconds: number;
}
