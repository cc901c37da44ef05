// docs/api.md, made from the action declarations, so the list of what is served cannot drift from
// what is: every action Cognito has (as the AWS SDK lists them), with its state here.
import type { ApiAction } from './action.js';

export function apiDocs(cognitoActions: string[], served: readonly ApiAction[]): string {
  const byName = new Map(served.map((a) => [a.name, a]));
  const state = { supported: 'supported', partial: 'partial', missing: 'not yet' };
  const lines = [
    '# The Cognito JSON API: what is served',
    '',
    '<!-- Made by `npm run docs:api` from src/api/actions; test/api/docs.test.ts fails when it is stale. -->',
    '',
    '`POST PUBLIC_URL/` with `Content-Type: application/x-amz-json-1.1` and',
    '`X-Amz-Target: AWSCognitoIdentityProviderService.<Action>`. Errors are HTTP 400 (500 for our faults) with',
    '`{"__type", "message"}` and `x-amzn-ErrorType`; every answer carries `x-amzn-RequestId`.',
    '',
    `${served.length} of Cognito's ${cognitoActions.length} actions are served.`,
    '',
    '| Action | State | What it does | Errors it answers with | Notes |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const name of [...cognitoActions].sort()) {
    const a = byName.get(name);
    lines.push(a
      ? `| ${name} | ${state[a.state]} | ${a.summary} | ${a.errors.join(', ')} | ${a.notes ?? ''} |`
      : `| ${name} | ${state.missing} | | | |`);
  }
  return `${lines.join('\n')}\n`;
}
