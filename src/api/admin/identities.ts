// Linking provider identities to users, with SigV4: AdminLinkProviderForUser and
// AdminDisableProviderForUser (COGNITO.md §3.6). The rules are federation/users.ts's.
import { z } from 'zod';
import { disableProviderForUser, linkProviderForUser } from '../../federation/users.js';
import type { ApiAction } from '../action.js';
import { defineAction } from '../action.js';
import { apiException } from '../errors.js';
import { poolFor, UserPoolId } from './common.js';

const ProviderUser = z.object({
  ProviderName: z.string().min(1).max(32).optional(),
  ProviderAttributeName: z.string().min(1).max(32).optional(),
  ProviderAttributeValue: z.string().min(1).max(2048).optional(),
});
const need = (v: string | undefined, name: string): string => {
  if (!v) throw apiException('InvalidParameterException', `${name} is required.`);
  return v;
};
/** Only the provider's subject names an identity here (a mapped attribute such as `email` is not matched yet). */
const subjectOf = (u: z.output<typeof ProviderUser>, where: string): string => {
  if (need(u.ProviderAttributeName, `${where}.ProviderAttributeName`) !== 'Cognito_Subject')
    throw apiException('InvalidParameterException', `${where}.ProviderAttributeName must be Cognito_Subject: linking by a mapped attribute is not supported.`);
  return need(u.ProviderAttributeValue, `${where}.ProviderAttributeValue`);
};

export const adminLinkProviderForUser = defineAction({
  name: 'AdminLinkProviderForUser', summary: 'Links a provider identity that has not signed in yet to an existing user: it signs in as that user.', state: 'partial', access: 'sigv4',
  notes: 'SourceUser is named by `Cognito_Subject` (the provider’s subject or SAML NameID); a mapped attribute (e.g. `email`) is refused. At most 5 identities a user.',
  errors: ['ResourceNotFoundException', 'UserNotFoundException', 'AliasExistsException', 'LimitExceededException', 'InvalidParameterException'],
  input: z.object({ UserPoolId, DestinationUser: ProviderUser, SourceUser: ProviderUser }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    if (i.DestinationUser.ProviderName !== 'Cognito') throw apiException('InvalidParameterException', 'DestinationUser.ProviderName must be Cognito.');
    const provider = await call.s.store.pools.getProvider(pool.id, need(i.SourceUser.ProviderName, 'SourceUser.ProviderName'));
    if (!provider) throw apiException('InvalidParameterException', `There is no identity provider ${i.SourceUser.ProviderName} in this pool.`);
    await linkProviderForUser(call.s.store, pool, provider, subjectOf(i.SourceUser, 'SourceUser'), need(i.DestinationUser.ProviderAttributeValue, 'DestinationUser.ProviderAttributeValue'));
    return {};
  },
});

export const adminDisableProviderForUser = defineAction({
  name: 'AdminDisableProviderForUser', summary: 'Stops a provider identity signing a user in (ProviderName Cognito: the user’s password).', state: 'supported', access: 'sigv4',
  notes: 'A linked identity is unlinked; the identity a federated user was created from disables that user; `Cognito` removes the native password. The user’s sign-ins end.',
  errors: ['ResourceNotFoundException', 'UserNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId, User: ProviderUser }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    const providerName = need(i.User.ProviderName, 'User.ProviderName');
    if (providerName === 'Cognito') {
      const user = await call.s.store.users.findUserByUsername(pool.id, need(i.User.ProviderAttributeValue, 'User.ProviderAttributeValue'));
      if (!user) throw apiException('UserNotFoundException', 'User does not exist.');
      await call.s.store.users.updateUser(pool.id, user.id, { passwordHash: null, srpVerifier: null });
      await call.s.accounts.endSessions(pool, user.id, 'password_disabled');
      return {};
    }
    const user = await disableProviderForUser(call.s.store, pool, providerName, subjectOf(i.User, 'User'));
    await call.s.accounts.endSessions(pool, user.id, 'provider_disabled');
    return {};
  },
});

export const ADMIN_IDENTITY_ACTIONS: readonly ApiAction[] = [adminLinkProviderForUser, adminDisableProviderForUser] as ApiAction[];
