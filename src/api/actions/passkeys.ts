// The signed-in user's passkeys: StartWebAuthnRegistration, CompleteWebAuthnRegistration,
// ListWebAuthnCredentials, DeleteWebAuthnCredential. The ceremonies are src/auth/passkeys.ts's.
import { z } from 'zod';
import { completeRegistration, deletePasskey, startRegistration } from '../../auth/passkeys.js';
import { mfaOf } from '../../native/mfa.js';
import { callerOf } from '../access.js';
import { defineAction } from '../action.js';
import { apiException } from '../errors.js';
import { Token } from '../fields.js';

const CredentialId = z.string({ error: 'Member must not be null' }).min(1).max(1024);

export const startWebAuthnRegistration = defineAction({
  name: 'StartWebAuthnRegistration', summary: 'The creation options (a JSON document) for registering a passkey in the browser.', state: 'supported',
  notes: 'Resident keys, attestation none; user verification as the pool’s WebAuthnConfiguration says (preferred by default). The RP id is its RelyingPartyId, or the host of PUBLIC_URL.',
  errors: ['NotAuthorizedException', 'LimitExceededException'],
  input: z.object({ AccessToken: Token }),
  async handle(call, i) {
    const { pool, user } = await callerOf(call.s, i.AccessToken);
    return { CredentialCreationOptions: await startRegistration(call.s, pool, user) };
  },
});

export const completeWebAuthnRegistration = defineAction({
  name: 'CompleteWebAuthnRegistration', summary: "The browser's new credential, checked (challenge, origin, RP id, signature) and kept as the user's passkey.", state: 'supported',
  errors: ['NotAuthorizedException', 'InvalidParameterException', 'WebAuthnChallengeNotFoundException', 'WebAuthnRelyingPartyMismatchException', 'WebAuthnOriginNotAllowedException'],
  input: z.object({ AccessToken: Token, Credential: z.record(z.string(), z.unknown(), { error: 'Member must be a document' }) }),
  async handle(call, i) {
    const { pool, user } = await callerOf(call.s, i.AccessToken);
    await completeRegistration(call.s, pool, user, i.Credential);
    return {};
  },
});

export const listWebAuthnCredentials = defineAction({
  name: 'ListWebAuthnCredentials', summary: "The signed-in user's passkeys.", state: 'supported',
  errors: ['NotAuthorizedException', 'InvalidParameterException'],
  input: z.object({ AccessToken: Token, NextToken: z.string().max(4096).optional(), MaxResults: z.number().int().min(1).max(20).optional() }),
  async handle(call, i) {
    const { user } = await callerOf(call.s, i.AccessToken);
    const all = mfaOf(user).passkeys ?? [];
    const start = i.NextToken ? Number.parseInt(i.NextToken, 10) : 0;
    if (!Number.isInteger(start) || start < 0 || start > all.length) throw apiException('InvalidParameterException', 'NextToken is not valid.');
    const page = all.slice(start, start + (i.MaxResults ?? 20));
    const next = start + page.length < all.length ? String(start + page.length) : undefined;
    return {
      Credentials: page.map((p) => ({
        CredentialId: p.id, FriendlyCredentialName: p.name ?? 'Passkey', RelyingPartyId: p.rpId, AuthenticatorTransports: p.transports,
        ...(p.attachment ? { AuthenticatorAttachment: p.attachment } : {}), CreatedAt: Math.floor(p.createdAt / 1000),
      })),
      ...(next ? { NextToken: next } : {}),
    };
  },
});

export const deleteWebAuthnCredential = defineAction({
  name: 'DeleteWebAuthnCredential', summary: "Removes one of the signed-in user's passkeys.", state: 'supported',
  errors: ['NotAuthorizedException', 'ResourceNotFoundException'],
  input: z.object({ AccessToken: Token, CredentialId }),
  async handle(call, i) {
    const { pool, user } = await callerOf(call.s, i.AccessToken);
    await deletePasskey(call.s, pool, user, i.CredentialId);
    return {};
  },
});

export const PASSKEY_ACTIONS = [startWebAuthnRegistration, completeWebAuthnRegistration, listWebAuthnCredentials, deleteWebAuthnCredential];
