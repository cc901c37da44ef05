// Where messages go: the outbox file (DELIVERY=outbox, also every SMS) or an SMTP server.
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';

export interface Message {
  poolId: string | null;
  channel: 'email' | 'sms';
  to: string;
  subject: string;
  body: string;
}

/** Sender details from the pool's EmailConfiguration; the transport's own default when absent. */
export interface Sender {
  from?: string;
  replyTo?: string;
}

export interface Transport {
  /** Rejects when the message could not be handed over; the caller keeps it for a retry. */
  send(m: Message, sender: Sender): Promise<void>;
  close?(): void;
}

/** Appends `{"time","channel","to","subject","body"}` lines to DATA_DIR/outbox.jsonl. */
export function outboxFileTransport(dataDir: string): Transport {
  const file = join(dataDir, 'outbox.jsonl');
  return {
    async send(m) {
      await mkdir(dataDir, { recursive: true });
      const line = JSON.stringify({ time: new Date().toISOString(), channel: m.channel, to: m.to, subject: m.subject, body: m.body });
      // One appendFile (O_APPEND, one write) per line, so concurrent sends never interleave.
      // The file holds codes: readable by the broker's user only.
      await appendFile(file, line + '\n', { encoding: 'utf8', mode: 0o600 });
    },
  };
}

/** E-mail by SMTP (`smtp://user:pass@host:port` or `smtps://…`). SMS is not an SMTP thing: refused. */
export function smtpTransport(url: string, from: string): Transport {
  // Short timeouts: a hung server must not stall the outbox for minutes; the message is retried.
  const mailer = nodemailer.createTransport({ url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
  return {
    async send(m, sender) {
      if (m.channel !== 'email') throw new Error('SMTP delivery carries e-mail only');
      await mailer.sendMail({ from: sender.from ?? from, replyTo: sender.replyTo, to: m.to, subject: m.subject, text: m.body });
    },
    close: () => mailer.close(),
  };
}

/** The transport DELIVERY names: `outbox`, or an SMTP URL (SMS then still goes to the outbox file). */
export function createTransport(delivery: string, dataDir: string, from?: string): Transport {
  const outbox = outboxFileTransport(dataDir);
  if (delivery === 'outbox') return outbox;
  if (!/^smtps?:\/\//.test(delivery)) throw new Error('DELIVERY must be "outbox" or an smtp:// or smtps:// URL');
  const smtp = smtpTransport(delivery, from ?? defaultFrom(delivery));
  return {
    send: (m, sender) => (m.channel === 'sms' ? outbox : smtp).send(m, sender),
    close: () => smtp.close?.(),
  };
}

/** The SMTP user when it is an address, else no-reply@<smtp host>; pools override it with EmailConfiguration.From. */
function defaultFrom(url: string): string {
  const u = new URL(url);
  const user = decodeURIComponent(u.username);
  return user.includes('@') ? user : `no-reply@${u.hostname}`;
}
