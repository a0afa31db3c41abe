/**
 * @rtcstack/sdk: a typed client for the rtcstack API. The types come from the server's OpenAPI
 * document (src/generated, by `npm run generate`); the rest is written here.
 */
export { createClient, type ClientOptions, type RtcstackClient, type ClientMethod, type PathsWith, type Success } from './client.js';
export { RtcstackError, parseRetryAfter, type Problem } from './errors.js';
export { EventStreamError, type EventsOptions, type EventType, type RtcstackEvent } from './events.js';
export type { ListItem, ListPath, PaginateOptions } from './paginate.js';
export { backoffDelayMs, isRetrySafe, type Fetch, type RetryOptions } from './retry.js';
export { verifyWebhook } from './webhooks.js';
export { verifyWebhookWebCrypto } from './webhooks-web-crypto.js';
export {
  EVENT_ID_HEADER,
  SIGNATURE_HEADER,
  WebhookVerificationError,
  type HeadersLike,
  type VerifyWebhookOptions,
  type WebhookEvent,
  type WebhookRejection,
} from './webhook-signature.js';
export type { components, operations, paths } from './generated/schema.js';
