// SignUp, ConfirmSignUp, ResendConfirmationCode: the native account operations the hosted pages use.
import { z } from 'zod';
import { confirmedSignUpSession, signUpSession } from '../../auth/index.js';
import { defineAction } from '../action.js';
import { Attributes, CLIENT_EXTRAS, ClientId, ConfirmationCode, Password, SecretHash, Session, Username } from '../fields.js';
import { deliveryShape, forClient } from './common.js';

/** What a trigger's failure answers (src/triggers). */
const TRIGGER_ERRORS = ['UserLambdaValidationException', 'InvalidLambdaResponseException', 'UnexpectedLambdaException'] as const;

const attributeMap = (list: { Name: string; Value?: string | undefined }[] = []) => Object.fromEntries(list.map((a) => [a.Name, a.Value ?? '']));

export const signUp = defineAction({
  name: 'SignUp', summary: 'Registers a user; a code is sent to confirm the account. The Session is for ConfirmSignUp.', state: 'partial',
  notes: 'ValidationData and ClientMetadata go to the pre sign-up trigger. Password may be left out where the pool allows a code-only first factor (Policies.SignInPolicy: EMAIL_OTP, SMS_OTP).',
  errors: ['UsernameExistsException', 'InvalidPasswordException', 'InvalidParameterException', 'NotAuthorizedException', 'LimitExceededException', 'TooManyRequestsException', ...TRIGGER_ERRORS],
  input: z.object({
    ClientId, Username, Password: Password.optional(), SecretHash: SecretHash.optional(), UserAttributes: Attributes.optional(), ValidationData: Attributes.optional(), ...CLIENT_EXTRAS,
  }),
  async handle(call, i) {
    const { pool, client } = await forClient(call, i.ClientId, i.Username, i.SecretHash);
    const r = await call.s.accounts.signUp(pool, {
      clientId: client.clientId, ip: call.ip, username: i.Username, password: i.Password, attributes: attributeMap(i.UserAttributes),
      ...(i.ValidationData ? { validationData: attributeMap(i.ValidationData) } : {}), ...(i.ClientMetadata ? { clientMetadata: i.ClientMetadata } : {}),
    });
    const session = await signUpSession(call.s, { pool, client, ip: call.ip }, r.user);
    return { UserConfirmed: r.confirmed, UserSub: r.user.sub, ...deliveryShape(r.delivery), Session: session };
  },
});

export const confirmSignUp = defineAction({
  name: 'ConfirmSignUp', summary: "Confirms a new account with the code it was sent; given SignUp's Session, answers one that InitiateAuth USER_AUTH signs in with.", state: 'supported',
  errors: ['CodeMismatchException', 'ExpiredCodeException', 'AliasExistsException', 'TooManyFailedAttemptsException', 'UserNotFoundException', 'NotAuthorizedException', 'InvalidParameterException', ...TRIGGER_ERRORS],
  input: z.object({
    ClientId, Username, ConfirmationCode, SecretHash: SecretHash.optional(), ForceAliasCreation: z.boolean().optional(), Session: Session.optional(), ...CLIENT_EXTRAS,
  }),
  async handle(call, i) {
    const { pool, client, ctx } = await forClient(call, i.ClientId, i.Username, i.SecretHash);
    const user = await call.s.accounts.confirmSignUp(pool, i.Username, i.ConfirmationCode, { forceAliasCreation: i.ForceAliasCreation ?? false, ...(i.ClientMetadata ? { clientMetadata: i.ClientMetadata } : {}) }, ctx);
    const session = await confirmedSignUpSession(call.s, { pool, client, ip: call.ip }, i.Session, user);
    return session ? { Session: session } : {};
  },
});

export const resendConfirmationCode = defineAction({
  name: 'ResendConfirmationCode', summary: 'Sends a new confirmation code to an unconfirmed account.', state: 'supported',
  errors: ['UserNotFoundException', 'LimitExceededException', 'InvalidParameterException'],
  input: z.object({ ClientId, Username, SecretHash: SecretHash.optional(), ...CLIENT_EXTRAS }),
  async handle(call, i) {
    const { pool, ctx } = await forClient(call, i.ClientId, i.Username, i.SecretHash);
    return deliveryShape(await call.s.accounts.resendConfirmationCode(pool, i.Username, ctx));
  },
});
