/** Who is calling: the key that authenticated the request (attached by the API-key guard). */
export interface Principal {
  /** `bootstrap` for API_SECRET, else the stored key's id. */
  keyId: string;
  /** The key's recognisable, non-secret prefix (`rtc_live_ab12cd34`), or `bootstrap`. */
  prefix: string;
  name: string;
  scopes: string[];
  /** This key's own rate limit (requests per minute); undefined means the configured default. */
  rateLimitPerMinute?: number;
  /** True for API_SECRET, which holds every scope and cannot be revoked through the API. */
  bootstrap: boolean;
}

declare module 'node:http' {
  interface IncomingMessage {
    /** Set by the API-key guard once the request is authenticated. */
    principal?: Principal;
  }
}

/** The principal API_SECRET authenticates as. */
export const BOOTSTRAP_PRINCIPAL: Principal = Object.freeze({ keyId: 'bootstrap', prefix: 'bootstrap', name: 'API_SECRET', scopes: ['*'], bootstrap: true }) as Principal;
