// SMTP delivery against a tiny SMTP server on 127.0.0.1 (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT):
// mail is handed over with the pool's sender, SMS goes to the outbox file, a refusing server leaves mail pending.
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { createTransport, Delivery, smtpTransport } from '../../src/delivery/index.js';
import { readOutbox } from '../support/outbox.js';
import { setup } from './support.js';

interface Mail { auth: string | null; from: string; to: string[]; data: string }

/** `refuse`: answer MAIL FROM with a temporary failure. */
async function smtpServer(o: { refuse?: boolean } = {}) {
  const mails: Mail[] = [];
  const sockets = new Set<Socket>();
  const state = { refuse: o.refuse ?? false };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setEncoding('utf8');
    const reply = (line: string) => socket.write(line + '\r\n');
    let buffer = '';
    let inData = false;
    let mail: Mail = { auth: null, from: '', to: [], data: '' };
    let auth: string | null = null;
    reply('220 127.0.0.1 ESMTP test');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (let i = buffer.indexOf('\r\n'); i >= 0; i = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            mails.push(mail);
            mail = { auth, from: '', to: [], data: '' };
            reply('250 2.0.0 queued');
          } else mail.data += (line.startsWith('..') ? line.slice(1) : line) + '\n';
          continue;
        }
        const verb = line.split(' ')[0]!.toUpperCase();
        if (verb === 'EHLO') reply('250-127.0.0.1\r\n250-AUTH PLAIN\r\n250 8BITMIME');
        else if (verb === 'HELO') reply('250 127.0.0.1');
        else if (verb === 'AUTH') {
          auth = Buffer.from(line.split(' ')[2] ?? '', 'base64').toString('utf8');
          mail.auth = auth;
          reply('235 2.7.0 accepted');
        } else if (verb === 'MAIL') {
          if (state.refuse) reply('451 4.3.0 try again later');
          else (mail.from = /<(.*)>/.exec(line)![1]!), reply('250 2.1.0 ok');
        } else if (verb === 'RCPT') mail.to.push(/<(.*)>/.exec(line)![1]!), reply('250 2.1.5 ok');
        else if (verb === 'DATA') (inData = true), reply('354 go ahead');
        else if (verb === 'QUIT') reply('221 bye'), socket.end();
        else reply('250 ok'); // RSET, NOOP
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port, mails, state,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

describe('SMTP delivery', () => {
  it('hands mail over with authentication and the pool\'s From; SMS goes to the outbox file', async () => {
    const smtp = await smtpServer();
    const env = await setup({ EmailConfiguration: { From: 'Example App <no-reply@example.com>' } });
    cleanups.push(smtp.close, env.cleanup);
    const transport = createTransport(`smtp://mailer:s3cret@127.0.0.1:${smtp.port}`, env.dir);
    cleanups.push(async () => transport.close?.());
    const delivery = new Delivery({ store: env.store, transport, log: env.log });

    await delivery.send({ poolId: env.poolId, channel: 'email', to: 'alice@example.com', subject: 'Your verification code', body: 'Your verification code is 424242.' });
    await delivery.send({ poolId: env.poolId, channel: 'sms', to: '+14325551212', subject: '', body: 'Your code is 535353.' });

    assert.equal(smtp.mails.length, 1);
    const [m] = smtp.mails;
    assert.equal(m!.auth, '\0mailer\0s3cret');
    assert.equal(m!.from, 'no-reply@example.com');
    assert.deepEqual(m!.to, ['alice@example.com']);
    assert.match(m!.data, /^Subject: Your verification code$/m);
    assert.match(m!.data, /^From: Example App <no-reply@example\.com>$/m);
    assert.match(m!.data, /Your verification code is 424242\./);
    const sms = readOutbox(env.dir);
    assert.deepEqual(sms.map((s) => [s.channel, s.body]), [['sms', 'Your code is 535353.']]);
    assert.equal((await env.store.outbox.listPending(10)).length, 0);
    assert.ok(!env.logs.join('').includes('424242') && !env.logs.join('').includes('535353'));
  });

  it('a server that refuses leaves the message pending, warns without the body, and the next flush sends it', async () => {
    const smtp = await smtpServer({ refuse: true });
    const env = await setup();
    cleanups.push(smtp.close, env.cleanup);
    const transport = smtpTransport(`smtp://127.0.0.1:${smtp.port}`, 'broker@example.com');
    cleanups.push(async () => transport.close?.());
    const delivery = new Delivery({ store: env.store, transport, log: env.log });

    await delivery.send({ poolId: null, channel: 'email', to: 'bob@example.com', subject: 'Reset', body: 'Your reset code is 616161.' });
    assert.equal(smtp.mails.length, 0);
    assert.equal((await env.store.outbox.listPending(10)).length, 1);
    const warnings = env.entries().filter((e) => e.level === 40);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.to, 'bob@example.com');
    assert.match(String(warnings[0]!.err), /451/);

    smtp.state.refuse = false;
    assert.equal(await delivery.flush(), 1);
    assert.equal(smtp.mails[0]!.from, 'broker@example.com');
    assert.match(smtp.mails[0]!.data, /616161/);
    assert.ok(!env.logs.join('').includes('616161'));
  });

  it('an unreachable server leaves the message pending too', async () => {
    const smtp = await smtpServer();
    await smtp.close(); // nothing listens on the port now
    const env = await setup();
    cleanups.push(env.cleanup);
    const delivery = new Delivery({ store: env.store, transport: smtpTransport(`smtp://127.0.0.1:${smtp.port}`, 'broker@example.com'), log: env.log });
    await delivery.send({ poolId: null, channel: 'email', to: 'cy@example.com', subject: 'Code', body: 'Code 717171' });
    assert.equal((await env.store.outbox.listPending(10)).length, 1);
    assert.match(String(env.entries().find((e) => e.level === 40)?.err), /ECONNREFUSED/);
  });
});
