// Every action of Cognito's user pool API, as the installed AWS SDK client has a command for each.
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export function cognitoActions(): string[] {
  const pkg = createRequire(import.meta.url).resolve('@aws-sdk/client-cognito-identity-provider/package.json');
  return readdirSync(join(dirname(pkg), 'dist-types', 'commands'))
    .filter((f) => f.endsWith('Command.d.ts'))
    .map((f) => f.slice(0, -'Command.d.ts'.length));
}
