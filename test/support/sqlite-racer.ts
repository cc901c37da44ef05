// A separate process racing for the same username on a shared SQLite file (see
// test/directory/sqlite-processes.test.ts). Opens the store, prints `ready`, waits for a line on
// stdin (the test sends it once every racer is ready, so they start together), then prints one
// JSON line: how many creates won and lost.
import { once } from 'node:events';
import { UsernameExists } from '../../src/directory/errors.js';
import { openSqliteStore } from '../../src/directory/sqlite/index.js';

const [file, poolId, username, count] = process.argv.slice(2) as [string, string, string, string];
const store = openSqliteStore({ file });
process.stdout.write('ready\n');
process.stdin.setEncoding('utf8');
let said = '';
while (!said.includes('\n')) said += String((await once(process.stdin, 'data'))[0]);
process.stdin.pause();
let won = 0;
let lost = 0;
for (let i = 0; i < Number(count); i++) {
  try {
    await store.users.createUser({ poolId, username: i % 2 ? username.toUpperCase() : username, status: 'CONFIRMED' });
    won++;
  } catch (err) {
    if (!(err instanceof UsernameExists)) throw err;
    lost++;
  }
}
await store.close();
process.stdout.write(`${JSON.stringify({ won, lost })}\n`);
