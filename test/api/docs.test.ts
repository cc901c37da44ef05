// docs/api.md is made from the action declarations (npm run docs:api): it fails here when stale, and
// every served action is one Cognito has.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { apiDocs } from '../../src/api/docs.js';
import { ACTIONS } from '../../src/api/index.js';
import { cognitoActions } from '../../scripts/cognito-actions.js';

describe('docs/api.md', () => {
  it('is what the declarations make (run `npm run docs:api` after changing an action)', () => {
    assert.equal(readFileSync('docs/api.md', 'utf8'), apiDocs(cognitoActions(), ACTIONS));
  });

  it('lists only actions Cognito has, each once', () => {
    const known = new Set(cognitoActions());
    assert.ok(known.size > 100, 'the AWS SDK lists Cognito’s actions');
    for (const a of ACTIONS) assert.ok(known.has(a.name), `${a.name} is not a Cognito action`);
    assert.equal(new Set(ACTIONS.map((a) => a.name)).size, ACTIONS.length);
  });
});
