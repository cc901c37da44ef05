// One declaration per API action: its input schema (validation, the errors that name a member, and
// the docs), what it does, and the typed errors it can answer with. docs/api.md is made from these.
import type { z } from 'zod';
import type { ErrorCode } from '../shared/errors.js';
import type { Services } from '../services.js';

/** Who signed a management call (SigV4) and for which region (the region of the ARNs it sees). */
export interface ManagementCaller {
  accessKeyId: string;
  region: string;
}

/** What a handler knows of the call besides its input. */
export interface ApiCall {
  s: Services;
  ip: string | null;
  requestId: string;
  /** Set on management actions: the verified signer. */
  caller?: ManagementCaller;
}

export interface ApiAction<S extends z.ZodType = z.ZodType> {
  name: string;
  /** One line for docs/api.md. */
  summary: string;
  /** `partial`: some of Cognito's inputs are not honoured yet (`notes` says which). */
  state: 'supported' | 'partial';
  notes?: string;
  input: S;
  errors: ErrorCode[];
  /** `sigv4`: a management action, signed with an access key whose policy allows it on the input's UserPoolId. Default: public. */
  access?: 'sigv4';
  handle(call: ApiCall, input: z.output<S>): Promise<Record<string, unknown>>;
}

export const defineAction = <S extends z.ZodType>(a: ApiAction<S>): ApiAction<S> => a;
