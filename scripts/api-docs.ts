// Writes docs/api.md from the API's action declarations and the AWS SDK's list of Cognito actions.
import { writeFileSync } from 'node:fs';
import { apiDocs } from '../src/api/docs.js';
import { ACTIONS } from '../src/api/index.js';
import { cognitoActions } from './cognito-actions.js';

writeFileSync('docs/api.md', apiDocs(cognitoActions(), ACTIONS));
process.stdout.write('wrote docs/api.md\n');
