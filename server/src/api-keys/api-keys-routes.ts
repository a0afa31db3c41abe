import type { Request } from 'express';
import { apiKeyGuard } from '../http/auth.js';
import { UnauthorizedError } from '../http/errors.js';
import type { Principal } from '../http/principal.js';
import { defineRoute, type RouteContext } from '../http/route.js';
import { keyPrefix } from './api-key-secret.js';
import {
  ApiKeyListQuerySchema,
  ApiKeyListSchema,
  ApiKeyParamsSchema,
  ApiKeySchema,
  ApiKeyWithSecretSchema,
  CreateApiKeySchema,
  RotateApiKeySchema,
  UsageQuerySchema,
  UsageSchema,
  WhoAmISchema,
} from './api-keys-schemas.js';
import type { ApiKeysService, ApiKeyWithSecret } from './api-keys-service.js';
import type { ApiKey } from './api-keys-store.js';

const keyJson = ({ lookupId, ...k }: ApiKey) => ({ ...k, prefix: keyPrefix(lookupId) });
const withSecretJson = ({ apiKey, key }: ApiKeyWithSecret) => ({ ...keyJson(apiKey), key });

function caller(req: Request): Principal {
  if (!req.principal) throw new UnauthorizedError('Missing X-API-Key header');
  return req.principal;
}

/** /v1/api-keys (scoped keys: create, list, get, revoke, rotate, usage) and /v1/whoami. */
export function registerApiKeyRoutes(ctx: RouteContext, apiKeys: ApiKeysService): void {
  defineRoute(ctx, {
    method: 'post',
    path: '/v1/api-keys',
    summary: 'Create an API key; the response carries the plaintext key, only this once',
    description: 'A key may grant only scopes it holds itself (403 naming the first one it does not). Only a hash of the key is stored.',
    tag: 'API keys',
    scope: 'keys:admin',
    body: CreateApiKeySchema,
    responses: { 201: { description: 'The key, with its plaintext', schema: ApiKeyWithSecretSchema } },
    handler: async ({ body }, req, res) => {
      res.status(201).json(withSecretJson(await apiKeys.create(body, caller(req))));
    },
  });

  defineRoute(ctx, {
    method: 'get',
    path: '/v1/api-keys',
    summary: 'List API keys, newest first (revoked ones included; never the key or its hash)',
    tag: 'API keys',
    scope: 'keys:admin',
    query: ApiKeyListQuerySchema,
    responses: { 200: { description: 'A page of keys', schema: ApiKeyListSchema } },
    handler: async ({ query }, _req, res) => {
      const page = await apiKeys.list({ limit: query.limit, cursor: query.cursor });
      res.json({ apiKeys: page.apiKeys.map(keyJson), nextCursor: page.nextCursor });
    },
  });

  defineRoute(ctx, {
    method: 'get',
    path: '/v1/api-keys/:keyId',
    summary: 'Get an API key (never the key or its hash)',
    tag: 'API keys',
    scope: 'keys:admin',
    params: ApiKeyParamsSchema,
    errors: [404],
    responses: { 200: { description: 'The key', schema: ApiKeySchema } },
    handler: async ({ params }, _req, res) => {
      res.json(keyJson(await apiKeys.get(params.keyId)));
    },
  });

  defineRoute(ctx, {
    method: 'delete',
    path: '/v1/api-keys/:keyId',
    summary: 'Revoke an API key: from the next request on, on every replica, it answers 401',
    description: 'Revoking a revoked key is a no-op. A key may revoke only keys whose scopes it holds itself.',
    tag: 'API keys',
    scope: 'keys:admin',
    params: ApiKeyParamsSchema,
    errors: [404],
    responses: { 204: { description: 'Revoked' } },
    handler: async ({ params }, req, res) => {
      await apiKeys.revoke(params.keyId, caller(req));
      res.status(204).end();
    },
  });

  defineRoute(ctx, {
    method: 'post',
    path: '/v1/api-keys/:keyId/rotate',
    summary: 'Give a key a new secret; the current one keeps working for graceSeconds',
    description: 'The id, prefix, scopes and usage stay the same. A key may rotate only keys whose scopes it holds itself; a revoked or expired key answers 409.',
    tag: 'API keys',
    scope: 'keys:admin',
    params: ApiKeyParamsSchema,
    body: RotateApiKeySchema,
    errors: [404, 409],
    responses: { 200: { description: 'The key, with its new plaintext', schema: ApiKeyWithSecretSchema } },
    handler: async ({ params, body }, req, res) => {
      res.json(withSecretJson(await apiKeys.rotate(params.keyId, body.graceSeconds, caller(req))));
    },
  });

  defineRoute(ctx, {
    method: 'get',
    path: '/v1/api-keys/:keyId/usage',
    summary: "A key's requests per day (UTC) by status class",
    tag: 'API keys',
    scope: 'keys:admin',
    params: ApiKeyParamsSchema,
    query: UsageQuerySchema,
    errors: [404],
    responses: { 200: { description: 'Requests per day', schema: UsageSchema } },
    handler: async ({ params, query }, _req, res) => {
      res.json({ keyId: params.keyId, usage: await apiKeys.usage(params.keyId, query.days) });
    },
  });

  // Every key may ask who it is, so this one route checks authentication and no scope.
  defineRoute(ctx, {
    method: 'get',
    path: '/v1/whoami',
    summary: 'The calling key: id, prefix, name and scopes',
    description: 'Any valid key; no scope needed. API_SECRET answers as the key `bootstrap`.',
    tag: 'API keys',
    auth: { guard: (ctx.apiKeyGuard ??= apiKeyGuard(ctx.authenticate)), security: [{ apiKey: [] }] },
    responses: { 200: { description: 'The calling key', schema: WhoAmISchema } },
    handler: (_input, req, res) => {
      const p = caller(req);
      res.json({ id: p.keyId, prefix: p.prefix, name: p.name, scopes: p.scopes, rateLimitPerMinute: p.rateLimitPerMinute ?? null, bootstrap: p.bootstrap });
    },
  });
}
