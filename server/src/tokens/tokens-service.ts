import { TokenVerifier } from 'livekit-server-sdk';
import { ROLES, type Role, type TokenRequest, type TokenResponse } from './tokens-schemas.js';
import { LiveKitTokenSigner } from './livekit-token-signer.js';
import { grantsForRole, ROLE_ATTRIBUTE } from './role-grants.js';

/** Who a verified participant token says its bearer is. */
export interface ParticipantPrincipal {
  identity: string;
  room: string;
  role: Role;
}

/** Issues LiveKit access tokens for participants and verifies the ones we issued. */
export class TokensService {
  private readonly verifier: TokenVerifier;
  private readonly signer: LiveKitTokenSigner;

  constructor(private readonly opts: { apiKey: string; apiSecret: string; publicUrl: string; ttlSeconds: number }) {
    this.verifier = new TokenVerifier(opts.apiKey, opts.apiSecret);
    this.signer = new LiveKitTokenSigner(opts.apiKey, opts.apiSecret);
  }

  /** Signs a token whose grants follow the role, with metadata and role attached to the participant. */
  async issue(req: TokenRequest): Promise<TokenResponse> {
    const { token, exp } = this.signer.sign({
      identity: req.userId,
      ttlSeconds: this.opts.ttlSeconds,
      grants: {
        name: req.name,
        metadata: req.metadata === undefined ? undefined : JSON.stringify(req.metadata),
        attributes: { [ROLE_ATTRIBUTE]: req.role },
        video: grantsForRole(req.role, req.roomId),
      },
    });
    // The expiry the token really carries.
    return { token, url: this.opts.publicUrl, expiresAt: new Date(exp * 1000).toISOString() };
  }

  /** Verifies a participant token (signature, expiry) and returns its bearer, or undefined if it is not ours or not valid. */
  async verify(jwt: string): Promise<ParticipantPrincipal | undefined> {
    try {
      const claims = await this.verifier.verify(jwt);
      const role = claims.attributes?.[ROLE_ATTRIBUTE];
      const room = claims.video?.room;
      if (!claims.sub || !room || !ROLES.includes(role as Role)) return undefined;
      return { identity: claims.sub, room, role: role as Role };
    } catch {
      return undefined;
    }
  }
}
