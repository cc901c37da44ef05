// A separate process racing for the same username on a shared SQLite file (see
// test/directory/sqlite-processes.test.ts). Prints one JSON line: how many creates won and lost.
import { UsernameExists } from '../../src/directory/errors.js';
import { openSqliteStore } from '../../src/directory/sqlite/index.js';

const [file, poolId, username, count, startAt] = process.argv.slice(2) as [string, string, string, string, string];
const store = openSqliteStore({ file });
while (Date.now() < Number(startAt)) await new Promise((r) => setTimeout(r, 1)); // start together
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
