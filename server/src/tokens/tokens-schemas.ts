import { z } from 'zod';
import { IsoDateSchema, NameSchema } from '../http/schemas.js';

/** The roles the API knows, from most to least privileged. */
export const ROLES = ['host', 'moderator', 'participant', 'viewer'] as const;
/** A participant's role; it decides the token's grants. */
export type Role = (typeof ROLES)[number];

/** Body of POST /v1/token and POST /v1/token/refresh. */
export const TokenRequestSchema = z
  .object({
    roomId: NameSchema.openapi({ description: 'Target room name', example: 'my-room' }),
    userId: NameSchema.openapi({ description: 'Unique participant identity', example: 'user-42' }),
    name: z.string().min(1).max(256).openapi({ description: 'Display name', example: 'Ada Lovelace' }),
    role: z.enum(ROLES).openapi({ description: 'Determines grants (see the role table)' }),
    metadata: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: 'Arbitrary JSON attached to the participant', example: { team: 'blue' } }),
  })
  .strict()
  .openapi('TokenRequest');
/** Validated token request. */
export type TokenRequest = z.infer<typeof TokenRequestSchema>;

/** Response of POST /v1/token and POST /v1/token/refresh. */
export const TokenResponseSchema = z
  .object({
    token: z.string().openapi({ description: 'LiveKit access token (JWT)' }),
    url: z.string().openapi({ description: 'WebSocket URL of livekit-server for clients', example: 'wss://your-livekit-host' }),
    expiresAt: IsoDateSchema,
  })
  .openapi('TokenResponse');
/** Issued token. */
export type TokenResponse = z.infer<typeof TokenResponseSchema>;
