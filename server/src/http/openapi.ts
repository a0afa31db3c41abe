import { OpenAPIRegistry, OpenApiGeneratorV31, extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

/** The one OpenAPI registry; routes register themselves into it as they are defined. */
export function createApiRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'apiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description:
      'An API key in the `X-API-Key` header. Create keys with `POST /v1/api-keys` (the plaintext `rtc_live_…` key is shown once) and give each only the scopes it needs: every operation names its scope (`rooms:read`, `recordings:write`, …), and a key without it gets 403 naming the missing scope. `API_SECRET` from the server\'s environment is the bootstrap key: it holds every scope (`*`), so use it to create the first keys.',
  });
  registry.registerComponent('securitySchemes', 'participantToken', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A participant token issued by POST /v1/token (only where a route says so).',
  });
  registry.registerComponent('securitySchemes', 'internalBearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'STT_INTERNAL_SECRET, shared with the transcription sidecars (internal endpoints only).',
  });
  registry.registerComponent('securitySchemes', 'metricsToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'METRICS_TOKEN from the server\'s environment, for Prometheus scrapes of /metrics only.',
  });
  for (const [name, description, example] of RATE_LIMIT_HEADER_DOCS) {
    registry.registerComponent('headers', name, { description, schema: { type: 'string', example } });
  }
  return registry;
}

/** The rate-limit fields (server/src/rate-limits/) as documented once under components.headers. */
const RATE_LIMIT_HEADER_DOCS = [
  ['RateLimit-Policy', 'The quota the calling key is counted against (draft-ietf-httpapi-ratelimit-headers): `q` requests per `w` seconds.', '"default";q=600;w=60'],
  ['RateLimit', 'What is left of the quota: `r` requests within the next `t` seconds. Absent while the limit cannot be enforced (Redis unavailable).', '"default";r=599;t=42'],
  ['X-RateLimit-Limit', 'Requests allowed per minute for the calling key.', '600'],
  ['X-RateLimit-Remaining', 'Requests left in the current minute. Absent while the limit cannot be enforced.', '599'],
  ['X-RateLimit-Reset', 'When the current window ends, in Unix epoch seconds. Absent while the limit cannot be enforced.', '1705312800'],
  ['Retry-After', 'Seconds to wait before retrying.', '42'],
] as const;

const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` });

/** Response headers of an operation that counts against the calling key's rate limit. */
export const RATE_LIMIT_HEADERS = Object.fromEntries(RATE_LIMIT_HEADER_DOCS.filter(([n]) => n !== 'Retry-After').map(([n]) => [n, headerRef(n)]));

/** Response headers of a 429. */
export const TOO_MANY_REQUESTS_HEADERS = { ...RATE_LIMIT_HEADERS, 'Retry-After': headerRef('Retry-After') };

/** Builds the OpenAPI 3.1 document from everything registered so far. */
export function buildOpenApiDocument(registry: OpenAPIRegistry, version: string) {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'rtcstack API',
      version,
      description:
        'Self-hosted video platform API. Every request needs an `X-API-Key` holding the scope its operation names (or `API_SECRET`, which holds every scope) unless the operation says otherwise. Errors are RFC 9457 `application/problem+json`. This reference is served interactively at `/docs`.',
    },
    servers: [{ url: '/' }],
    security: [{ apiKey: [] }],
  });
}
