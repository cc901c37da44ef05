// The outbox: file format, concurrent appends, retries after transport failures, and bodies kept out of logs.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Db } from '../../src/directory/sqlite/db.js';
import { describe, it } from 'node:test';
import { createTransport, Delivery, outboxFileTransport, type Message, type Sender, type Transport } from '../../src/delivery/index.js';
import { outboxFile, readOutbox } from '../support/outbox.js';
import { setup } from './support.js';

const message = (i: number, poolId: string | null = 'local_Mail1'): Message => ({
  poolId, channel: 'email', to: `user${i}@example.com`, subject: 'Your verification code', body: `Your verification code is ${String(100000 + i)}.`,
});

describe('outbox file transport', () => {
  it('appends one JSON line {time, channel, to, subject, body} per message, creating DATA_DIR', async () => {
    const env = await setup();
    const dataDir = join(env.dir, 'nested', 'data');
    const t = outboxFileTransport(dataDir);
    await t.send({ poolId: null, channel: 'sms', to: '+14325551212', subject: '', body: 'Code 123456' }, {});
    await t.send(message(1), {});
    const lines = readOutbox(dataDir);
    assert.equal(lines.length, 2);
    assert.deepEqual(Object.keys(lines[0]!), ['time', 'channel', 'to', 'subject', 'body']);
    assert.deepEqual({ ...lines[0], time: undefined }, { time: undefined, channel: 'sms', to: '+14325551212', subject: '', body: 'Code 123456' });
    assert.equal(new Date(lines[1]!.time!).toISOString(), lines[1]!.time, 'ISO 8601');
    assert.equal(statSync(outboxFile(dataDir)).mode & 0o077, 0, 'readable by the owner only');
    await env.cleanup();
  });

  it('concurrent sends never interleave', async () => {
    const env = await setup();
    const t = outboxFileTransport(env.dir);
    const big = (i: number): Message => ({ ...message(i), body: `${i}:` + 'x'.repeat(20_000) });
    await Promise.all(Array.from({ length: 100 }, (_, i) => t.send(big(i), {})));
    const lines = readOutbox(env.dir);
    assert.equal(lines.length, 100);
    assert.deepEqual(new Set(lines.map((l) => l.body)), new Set(Array.from({ length: 100 }, (_, i) => big(i).body)));
    await env.cleanup();
  });

  it('createTransport: "outbox" is the file; anything but an SMTP URL is refused', async () => {
    const env = await setup();
    await createTransport('outbox', env.dir).send(message(2), {});
    assert.equal(readOutbox(env.dir)[0]!.to, 'user2@example.com');
    assert.throws(() => createTransport('ftp://mail.example.com', env.dir), /DELIVERY/);
    await env.cleanup();
  });
});

describe('Delivery', () => {
  it('sends through the outbox, marks sent (dropping the body) and logs a notice without the body', async () => {
    const env = await setup({ EmailConfiguration: { From: 'Example <no-reply@example.com>', ReplyToEmailAddress: 'help@example.com' } });
    const senders: Sender[] = [];
    const file = outboxFileTransport(env.dir);
    const delivery = new Delivery({ store: env.store, log: env.log, transport: { send: (m, s) => (senders.push(s), file.send(m, s)) } });
    await delivery.send(message(3));
    await delivery.send(message(4, null));
    assert.equal((await env.store.outbox.listPending(10)).length, 0);
    assert.deepEqual(readOutbox(env.dir).map((l) => l.body), [message(3).body, message(4).body]);
    assert.deepEqual(senders, [{ from: 'Example <no-reply@example.com>', replyTo: 'help@example.com' }, { from: undefined, replyTo: undefined }], 'the pool\'s sender');

    const notices = env.entries().filter((e) => e.msg === 'message delivered');
    assert.deepEqual(notices.map((e) => [e.channel, e.to, e.subject]), [['email', 'user3@example.com', 'Your verification code'], ['email', 'user4@example.com', 'Your verification code']]);
    assert.ok(!env.logs.join('').includes('100003') && !env.logs.join('').includes('100004'));
    const db = new Db(env.file, { readOnly: true });
    // node:sqlite rows have no prototype: compared as plain objects.
    assert.deepEqual(db.prepare('SELECT body FROM outbox').all().map((r) => ({ ...(r as object) })), [{ body: '' }, { body: '' }]);
    db.close();
    await env.cleanup();
  });

  it('a failing transport leaves the message pending with one warning (no body); the next flush sends it', async () => {
    const env = await setup();
    let down = true;
    const got: Message[] = [];
    const transport: Transport = {
      async send(m) {
        if (down) throw new Error('connect ECONNREFUSED 127.0.0.1:25');
        got.push(m);
      },
    };
    const delivery = new Delivery({ store: env.store, log: env.log, transport });
    await delivery.send(message(5)); // resolves: the message is safe in the outbox
    await delivery.queue(message(6));
    assert.equal(await delivery.flush(), 0);
    assert.equal((await env.store.outbox.listPending(10)).length, 2);
    const warnings = env.entries().filter((e) => e.level === 40);
    assert.ok(warnings.length >= 2);
    assert.ok(warnings.every((w) => w.msg === 'message not delivered, will retry' && typeof w.err === 'string'));
    assert.ok(!env.logs.join('').includes('10000'), 'no body or code in any line');

    down = false;
    assert.equal(await delivery.flush(), 2);
    assert.deepEqual(got.map((m) => m.body), [message(5).body, message(6).body]);
    assert.equal(await delivery.flush(), 0, 'sent once only');
    await env.cleanup();
  });

  it('concurrent flushes send each message once; one bad message does not hold back the others', async () => {
    const env = await setup();
    const got: string[] = [];
    // The first send holds until the other flushes have come: the first flush is under way when they do.
    let started!: () => void;
    const firstSend = new Promise<void>((r) => (started = r));
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let calls = 0;
    let sending = 0;
    let most = 0;
    const transport: Transport = {
      async send(m) {
        most = Math.max(most, ++sending);
        try {
          if (calls++ === 0) {
            started();
            await held;
          }
          if (m.to === 'user7@example.com') throw new Error('550 no such user');
          got.push(m.to);
        } finally {
          sending--;
        }
      },
    };
    const delivery = new Delivery({ store: env.store, log: env.log, transport });
    for (let i = 7; i < 12; i++) await env.store.outbox.enqueue(message(i), Date.now());
    const first = delivery.flush();
    await firstSend;
    const others = [delivery.flush(), delivery.flush(), delivery.send(message(12))];
    release();
    await Promise.all([first, ...others]);
    assert.deepEqual(got.sort(), ['user10@example.com', 'user11@example.com', 'user12@example.com', 'user8@example.com', 'user9@example.com'], 'each once');
    assert.equal(most, 1, 'one message in the transport at a time: the flushes ran one after the other');
    assert.deepEqual((await env.store.outbox.listPending(10)).map((m) => m.to), ['user7@example.com']);
    await env.cleanup();
  });
});
