import { z } from 'zod';
import { API_KEY_PREFIX } from '../http/auth.js';
import { CursorQueryShape, NextCursorSchema } from '../http/pagination.js';
import { IsoDateInputSchema, IsoDateSchema } from '../http/schemas.js';
import { ScopeGrantSchema } from '../http/scopes.js';

const MAX_GRACE_SECONDS = 7 * 24 * 3600;
const MAX_LIFETIME_SECONDS = 10 * 365 * 24 * 3600;

/** A stored key as every response shows it: never its secret or hash. */
export const ApiKeySchema = z
  .object({
    id: z.string().openapi({ example: 'key_Vb3kq9v0x1Zp' }),
    prefix: z.string().openapi({ description: `The key's public start (\`${API_KEY_PREFIX}<lookup id>\`), to recognise it; the secret follows it`, example: `${API_KEY_PREFIX}3f9a0c1d2e4b5a69` }),
    name: z.string(),
    scopes: z.array(ScopeGrantSchema),
    rateLimitPerMinute: z.number().int().nullable().openapi({ description: "This key's own rate limit; null: the configured default" }),
    createdAt: IsoDateSchema,
    createdBy: z.string().openapi({ description: 'The id of the key that created it, or `bootstrap` (API_SECRET)' }),
    lastUsedAt: IsoDateSchema.nullable().openapi({ description: 'Updated within a few seconds of use' }),
    expiresAt: IsoDateSchema.nullable(),
    revokedAt: IsoDateSchema.nullable(),
    previousKeyExpiresAt: IsoDateSchema.nullable().openapi({ description: 'Until when the secret replaced by the last rotation still works' }),
  })
  .openapi('ApiKey');

/** A key with its plaintext: the response to creating or rotating it, the only time the plaintext is shown. */
export const ApiKeyWithSecretSchema = ApiKeySchema.extend({
  key: z.string().openapi({ description: 'The plaintext key, shown only in this response; send it as X-API-Key', example: `${API_KEY_PREFIX}3f9a0c1d2e4b5a69_…` }),
}).openapi('ApiKeyWithSecret');

/** Body of POST /v1/api-keys. */
export const CreateApiKeySchema = z
  .object({
    name: z.string().trim().min(1).max(100).openapi({ description: 'What the key is for, e.g. `ci-deploy`' }),
    scopes: z.array(ScopeGrantSchema).min(1).max(50).openapi({ description: 'What the key may do; only scopes the calling key holds itself' }),
    expiresAt: IsoDateInputSchema.optional().openapi({ description: 'When the key stops working (in the future); or give expiresInSeconds' }),
    expiresInSeconds: z.number().int().min(1).max(MAX_LIFETIME_SECONDS).optional().openapi({ description: 'Lifetime from now; or give expiresAt' }),
    rateLimitPerMinute: z.number().int().min(1).max(1_000_000).optional().openapi({ description: 'Overrides the default rate limit for this key' }),
  })
  .strict()
  .refine((b) => b.expiresAt === undefined || b.expiresInSeconds === undefined, { message: 'give expiresAt or expiresInSeconds, not both', path: ['expiresInSeconds'] })
  .refine((b) => b.expiresAt === undefined || Date.parse(b.expiresAt) > Date.now(), { message: 'must be in the future', path: ['expiresAt'] })
  .openapi('CreateApiKeyRequest', { not: { required: ['expiresAt', 'expiresInSeconds'] } });

/** Input of creating a key. */
export type CreateApiKey = z.output<typeof CreateApiKeySchema>;

/** Body of POST /v1/api-keys/:keyId/rotate. */
export const RotateApiKeySchema = z
  .object({
    graceSeconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_GRACE_SECONDS)
      .default(86_400)
      .openapi({ description: 'How long the current secret keeps working beside the new one (0 to 7 days; default one day). A secret replaced earlier stops at once.' }),
  })
  .strict()
  .openapi('RotateApiKeyRequest');

/** Path parameters naming a key. */
export const ApiKeyParamsSchema = z.object({ keyId: z.string().regex(/^key_[A-Za-z0-9_-]{6,64}$/, 'is not an API key id') });

/** Query of GET /v1/api-keys. */
export const ApiKeyListQuerySchema = z.object({ ...CursorQueryShape });

/** GET /v1/api-keys: a page of keys, newest first. */
export const ApiKeyListSchema = z.object({ apiKeys: z.array(ApiKeySchema), nextCursor: NextCursorSchema }).openapi('ApiKeyList');

/** The keyset position inside a list cursor. */
export const KeyCursorSchema = z.object({ createdAtUs: z.string().regex(/^\d{1,16}$/), id: z.string().max(100) });

/** A response's status class, as usage is counted. */
export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx';

const count = z.number().int().min(0);

/** Query of GET /v1/api-keys/:keyId/usage. */
export const UsageQuerySchema = z.object({
  days: z.coerce.number().int().min(1).max(366).default(30).openapi({ description: 'How many days back, today (UTC) included' }),
});

/** GET /v1/api-keys/:keyId/usage. */
export const UsageSchema = z
  .object({
    keyId: z.string(),
    usage: z.array(
      z.object({
        day: z.iso.date().openapi({ description: 'UTC day', example: '2026-12-01' }),
        total: count,
        byStatusClass: z.object({ '1xx': count, '2xx': count, '3xx': count, '4xx': count, '5xx': count }),
      }),
    ),
  })
  .openapi('ApiKeyUsage', { description: 'Requests per UTC day, oldest first; days without requests are left out. Counts lag use by a few seconds.' });

/** GET /v1/whoami. */
export const WhoAmISchema = z
  .object({
    id: z.string().openapi({ description: 'The key id, or `bootstrap` for API_SECRET' }),
    prefix: z.string(),
    name: z.string(),
    scopes: z.array(z.string()),
    rateLimitPerMinute: z.number().int().nullable(),
    bootstrap: z.boolean().openapi({ description: 'True for API_SECRET, which holds every scope and cannot be revoked through the API' }),
  })
  .openapi('WhoAmI');
