import { EgressClient, IngressClient, RoomServiceClient } from 'livekit-server-sdk';

/** Connection settings for livekit-server's API. */
export interface LiveKitOptions {
  url: string;
  apiKey: string;
  apiSecret: string;
  timeoutMs: number;
}

/** The LiveKit API clients the control plane uses, built once at start-up. */
export interface LiveKitClients {
  rooms: RoomServiceClient;
  egress: EgressClient;
  ingress: IngressClient;
}

/** Builds the clients with a hard request timeout and no cloud region failover. */
export function createLiveKitClients(opts: LiveKitOptions): LiveKitClients {
  const clientOptions = { requestTimeout: opts.timeoutMs / 1000, failover: false };
  return {
    rooms: new RoomServiceClient(opts.url, opts.apiKey, opts.apiSecret, clientOptions),
    egress: new EgressClient(opts.url, opts.apiKey, opts.apiSecret, clientOptions),
    ingress: new IngressClient(opts.url, opts.apiKey, opts.apiSecret, clientOptions),
  };
}
