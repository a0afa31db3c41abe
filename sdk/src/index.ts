/**
 * @rtcstack/sdk: a typed client for the rtcstack API. The types come from the server's OpenAPI
 * document (src/generated, by `npm run generate`); the rest is written here.
 */
export type { components, operations, paths } from './generated/schema.js';
