import type { RouteContext } from '../http/route.js';
import { defineRoute } from '../http/route.js';
import { TokenRequestSchema, TokenResponseSchema } from './tokens-schemas.js';
import type { TokensService } from './tokens-service.js';

/** POST /v1/token and POST /v1/token/refresh. */
export function registerTokenRoutes(ctx: RouteContext, tokens: TokensService): void {
  for (const [path, summary] of [
    ['/v1/token', 'Issue a LiveKit access token for a participant'],
    ['/v1/token/refresh', 'Re-issue a token (same body as POST /v1/token) to extend a session before expiry'],
  ] as const) {
    defineRoute(ctx, {
      method: 'post',
      path,
      summary,
      tag: 'Token',
      scope: 'tokens:create',
      body: TokenRequestSchema,
      responses: { 200: { description: 'The token, the URL to connect to and when the token expires', schema: TokenResponseSchema } },
      handler: async ({ body }, _req, res) => {
        res.json(await tokens.issue(body));
      },
    });
  }
}
