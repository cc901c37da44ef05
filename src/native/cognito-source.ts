// The built-in migrator: `UserMigration: cognito://<region>/<poolId>?clientId=<its app client>`
// [&endpoint=<URL>][&admin=true]. A user the broker does not know signs in with the password they
// have there: it is checked against the live pool (InitiateAuth USER_PASSWORD_AUTH, so that client
// must allow ALLOW_USER_PASSWORD_AUTH), the user's attributes (GetUser with the access token it gives),
// `sub` and groups (the ID token's cognito:groups) are copied, and the password is then kept under our
// own hashing. The client's secret, when it has one, is COGNITO_MIGRATION_CLIENT_SECRET (never in the
// pool's settings, which DescribeUserPool returns). With `admin=true`, AdminGetUser and
// AdminListGroupsForUser (credentials from the standard AWS chain) also migrate a user who starts with
// "forgot password", and one whose old pool asks for MFA.
import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import {
  AdminGetUserCommand, AdminListGroupsForUserCommand, CognitoIdentityProviderClient, GetUserCommand, InitiateAuthCommand, type AttributeType,
} from '@aws-sdk/client-cognito-identity-provider';
import { BrokerError } from '../shared/errors.js';
import type { Migrated } from './migrated.js';

interface Source { region: string; poolId: string; clientId: string; endpoint?: string; admin: boolean }

/** The names the old pool answers a wrong password or an unknown user with (cognito-local: InvalidPasswordException). */
const NOT_THERE = new Set(['NotAuthorizedException', 'UserNotFoundException', 'InvalidPasswordException', 'UserNotConfirmedException', 'PasswordResetRequiredException']);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseSource(spec: string): Source {
  const url = new URL(spec);
  const clientId = url.searchParams.get('clientId');
  const endpoint = url.searchParams.get('endpoint');
  if (url.protocol !== 'cognito:' || !url.hostname || !clientId) throw new Error('UserMigration must be cognito://<region>/<poolId>?clientId=<client id>');
  return { region: url.hostname, poolId: url.pathname.slice(1), clientId, ...(endpoint ? { endpoint } : {}), admin: url.searchParams.get('admin') === 'true' };
}

const attributesOf = (list: AttributeType[] | undefined): Record<string, string> =>
  Object.fromEntries((list ?? []).filter((a) => a.Name && a.Value !== undefined).map((a) => [a.Name!, a.Value!]));

/** The claims of a token the old pool just handed us over TLS (read, not trusted beyond that answer). */
const claimsOf = (jwt: string | undefined): Record<string, unknown> => {
  try {
    return JSON.parse(Buffer.from(jwt!.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
};

export class CognitoSource {
  private readonly clients = new Map<string, CognitoIdentityProviderClient>();

  constructor(private readonly o: { clientSecret?: string | undefined; log: Logger }) {}

  private client(s: Source): CognitoIdentityProviderClient {
    const key = `${s.region}|${s.endpoint ?? ''}`;
    let c = this.clients.get(key);
    if (!c) this.clients.set(key, (c = new CognitoIdentityProviderClient({ region: s.region, maxAttempts: 2, ...(s.endpoint ? { endpoint: s.endpoint } : {}) })));
    return c;
  }

  /** The old pool could not be asked (down, throttled, misconfigured): the sign-in fails, nothing is created. */
  private unavailable(s: Source, err: unknown): BrokerError {
    const name = (err as { name?: string }).name ?? 'Error';
    this.o.log.warn({ source: `cognito://${s.region}/${s.poolId}`, err: name }, 'user migration source unavailable');
    return new BrokerError('UnexpectedLambdaException', `UserMigration invocation failed due to error ${name}.`);
  }

  private secretHash(s: Source, username: string): Record<string, string> {
    return this.o.clientSecret ? { SECRET_HASH: createHmac('sha256', this.o.clientSecret).update(username + s.clientId).digest('base64') } : {};
  }

  /** The user and their groups by AdminGetUser and AdminListGroupsForUser; null when the pool does not know them. */
  private async adminLookUp(s: Source, username: string): Promise<{ attributes: Record<string, string>; groups: string[]; status: string } | null> {
    const c = this.client(s);
    try {
      const u = await c.send(new AdminGetUserCommand({ UserPoolId: s.poolId, Username: username }));
      const groups = await c.send(new AdminListGroupsForUserCommand({ UserPoolId: s.poolId, Username: u.Username ?? username, Limit: 60 }));
      return { attributes: attributesOf(u.UserAttributes), groups: (groups.Groups ?? []).map((g) => g.GroupName!).filter(Boolean), status: u.UserStatus ?? '' };
    } catch (err) {
      if ((err as { name?: string }).name === 'UserNotFoundException') return null;
      throw this.unavailable(s, err);
    }
  }

  private migrated(attributes: Record<string, string>, groups: string[], status: Migrated['status'], passwordProven: boolean): Migrated {
    const { sub, ...rest } = attributes;
    return {
      attributes: rest, status, messageAction: 'SUPPRESS', mediums: [], forceAliasCreation: false, groups, passwordProven,
      ...(sub && UUID.test(sub) ? { sub: sub.toLowerCase() } : {}),
    };
  }

  /** UserMigration_Authentication: the typed password, proven by the old pool, or null. */
  async withPassword(spec: string, username: string, password: string): Promise<Migrated | null> {
    const s = parseSource(spec);
    const c = this.client(s);
    let r;
    try {
      r = await c.send(new InitiateAuthCommand({ ClientId: s.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: password, ...this.secretHash(s, username) } }));
    } catch (err) {
      if (NOT_THERE.has((err as { name?: string }).name ?? '')) return null;
      throw this.unavailable(s, err);
    }
    if (r.AuthenticationResult?.AccessToken) {
      let attributes: Record<string, string>;
      try {
        attributes = attributesOf((await c.send(new GetUserCommand({ AccessToken: r.AuthenticationResult.AccessToken }))).UserAttributes);
      } catch (err) {
        throw this.unavailable(s, err);
      }
      const groups = claimsOf(r.AuthenticationResult.IdToken)['cognito:groups'];
      return this.migrated(attributes, Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : [], 'CONFIRMED', true);
    }
    // The password is right but the old pool asks for more: a temporary password is not kept (the user
    // resets it); after MFA (whose secrets cannot leave Cognito) the user re-enrols here. Both need admin.
    if (!s.admin) {
      this.o.log.warn({ source: `cognito://${s.region}/${s.poolId}`, challenge: r.ChallengeName }, 'user migration stopped at a challenge (admin=true would migrate the user)');
      return null;
    }
    const found = await this.adminLookUp(s, username);
    if (!found) return null;
    const temporary = r.ChallengeName === 'NEW_PASSWORD_REQUIRED';
    return this.migrated(found.attributes, found.groups, temporary ? 'RESET_REQUIRED' : 'CONFIRMED', !temporary);
  }

  /** UserMigration_ForgotPassword: the user as the old pool knows them (admin only), to reset their password here. */
  async withoutPassword(spec: string, username: string): Promise<Migrated | null> {
    const s = parseSource(spec);
    if (!s.admin) return null;
    const found = await this.adminLookUp(s, username);
    return found ? this.migrated(found.attributes, found.groups, 'RESET_REQUIRED', false) : null;
  }

  close(): void {
    for (const c of this.clients.values()) c.destroy();
    this.clients.clear();
  }
}
