// Management calls as operators make them: the AWS SDK v3 signing with SigV4, with the test broker's
// management key pair (broker-app.ts) or any other key.
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';

export const ADMIN_KEY = { accessKeyId: 'BRKRTESTTESTTESTTEST', secretAccessKey: 'test-admin-secret-0123456789' };

export function adminSdk(url: string, credentials: { accessKeyId: string; secretAccessKey: string } = ADMIN_KEY, region = 'local') {
  return new CognitoIdentityProviderClient({ endpoint: url, region, credentials, maxAttempts: 1 });
}
