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
    description: 'The server-side API_SECRET.',
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
  return registry;
}

/** Builds the OpenAPI 3.1 document from everything registered so far. */
export function buildOpenApiDocument(registry: OpenAPIRegistry, version: string) {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'rtcstack API',
      version,
      description:
        'Self-hosted video platform API. Every request needs `X-API-Key: <API_SECRET>` unless the operation says otherwise. Errors are RFC 9457 `application/problem+json`.',
    },
    servers: [{ url: '/' }],
    security: [{ apiKey: [] }],
  });
}
