// A software passkey authenticator for tests that have no browser: it makes a P-256 credential
// (attestation "none") and signs assertions exactly as the WebAuthn spec lays them out (authenticator
// data, clientDataJSON, an ES256 signature over both), for whatever origin and RP id it is told, so a
// test can also forge a credential for the wrong ones. CBOR comes from @simplewebauthn/server's helpers.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

const b64u = (b: Uint8Array | string) => Buffer.from(b).toString('base64url');
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest();
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

export class SoftAuthenticator {
  readonly credentialId = randomBytes(32);
  private readonly key: KeyObject;
  private readonly publicJwk: { x: string; y: string };
  counter = 0;
  userHandle = '';

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.key = privateKey;
    this.publicJwk = publicKey.export({ format: 'jwk' }) as { x: string; y: string };
  }

  get id(): string {
    return b64u(this.credentialId);
  }

  /** navigator.credentials.create: the RegistrationResponseJSON for these creation options. */
  create(options: { challenge: string; rp: { id?: string }; user: { id: string } }, origin: string, o: { rpId?: string; flags?: number } = {}): Record<string, unknown> {
    const rpId = o.rpId ?? options.rp.id ?? new URL(origin).hostname;
    this.userHandle = options.user.id;
    const cose = isoCBOR.encode(new Map<number, number | Uint8Array>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(this.publicJwk.x, 'base64url')], [-3, Buffer.from(this.publicJwk.y, 'base64url')]]));
    const len = Buffer.alloc(2);
    len.writeUInt16BE(this.credentialId.length);
    const authData = Buffer.concat([sha256(rpId), Buffer.from([o.flags ?? 0x45]), u32(this.counter), Buffer.alloc(16), len, this.credentialId, Buffer.from(cose)]);
    const attestationObject = isoCBOR.encode(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]) as never);
    const clientDataJSON = JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin, crossOrigin: false });
    return {
      id: this.id, rawId: this.id, type: 'public-key', authenticatorAttachment: 'platform', clientExtensionResults: {},
      response: { clientDataJSON: b64u(clientDataJSON), attestationObject: b64u(attestationObject), transports: ['internal'] },
    };
  }

  /** navigator.credentials.get: the AuthenticationResponseJSON for these request options; `counter` set to replay an old one. */
  get(options: { challenge: string; rpId?: string }, origin: string, o: { rpId?: string; counter?: number; flags?: number } = {}): Record<string, unknown> {
    const rpId = o.rpId ?? options.rpId ?? new URL(origin).hostname;
    const counter = o.counter ?? ++this.counter;
    const authData = Buffer.concat([sha256(rpId), Buffer.from([o.flags ?? 0x05]), u32(counter)]);
    const clientDataJSON = JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin, crossOrigin: false });
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), this.key);
    return {
      id: this.id, rawId: this.id, type: 'public-key', authenticatorAttachment: 'platform', clientExtensionResults: {},
      response: { clientDataJSON: b64u(clientDataJSON), authenticatorData: b64u(authData), signature: b64u(signature), userHandle: this.userHandle },
    };
  }
}
