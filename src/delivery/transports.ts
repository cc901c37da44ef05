// Where messages go: e-mail to the outbox file (DELIVERY=outbox) or an SMTP server; SMS to the outbox
// file (SMS_DELIVERY=outbox), to Amazon SNS (the transport Cognito itself uses), or to an HTTPS webhook
// signed with a per-pool key, for any other SMS provider.
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import nodemailer from 'nodemailer';
import { signatureHeaders } from '../shared/signed-post.js';

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

/** SMS by Amazon SNS Publish (transactional), with the AWS SDK's own credentials chain; `endpoint` for a stand-in or a VPC endpoint. */
export function snsTransport(o: { region: string; endpoint?: string | undefined }): Transport {
  const sns = new SNSClient({ region: o.region, ...(o.endpoint ? { endpoint: o.endpoint } : {}), maxAttempts: 1 }); // the outbox retries a message SNS refused
  return {
    async send(m) {
      if (m.channel !== 'sms') throw new Error('SNS delivery carries SMS only');
      await sns.send(new PublishCommand({
        PhoneNumber: m.to, Message: m.body,
        MessageAttributes: { 'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' } },
      }));
    },
    close: () => sns.destroy(),
  };
}

/** SMS by an HTTPS POST of `{"poolId","to","body"}` (JSON), signed per pool (shared/signed-post.ts); any answer but 2xx is a failure, retried. */
export function webhookTransport(url: string, secret: string, now: () => number = Date.now): Transport {
  return {
    async send(m) {
      if (m.channel !== 'sms') throw new Error('The SMS webhook carries SMS only');
      const body = JSON.stringify({ poolId: m.poolId, to: m.to, body: m.body });
      const res = await fetch(url, {
        method: 'POST', body, redirect: 'error', signal: AbortSignal.timeout(10_000),
        headers: { 'content-type': 'application/json', 'x-broker-pool': m.poolId ?? '', ...signatureHeaders(secret, m.poolId, body, now()) },
      });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`the SMS webhook answered ${res.status}`);
    },
  };
}

/** Where SMS goes: SMS_DELIVERY's `outbox`, `sns`, or a webhook URL. */
export interface SmsDelivery {
  kind: 'outbox' | 'sns' | 'webhook';
  snsRegion?: string | undefined;
  snsEndpoint?: string | undefined;
  webhookUrl?: string | undefined;
  webhookSecret?: string | undefined;
}

/** The transport DELIVERY names for e-mail (`outbox`, or an SMTP URL), with SMS to the outbox file unless `sms` says otherwise. */
export function createTransport(delivery: string, dataDir: string, from?: string, sms: SmsDelivery = { kind: 'outbox' }): Transport {
  const outbox = outboxFileTransport(dataDir);
  if (delivery !== 'outbox' && !/^smtps?:\/\//.test(delivery)) throw new Error('DELIVERY must be "outbox" or an smtp:// or smtps:// URL');
  const email = delivery === 'outbox' ? outbox : smtpTransport(delivery, from ?? defaultFrom(delivery));
  const text = sms.kind === 'sns' ? snsTransport({ region: sms.snsRegion ?? 'us-east-1', endpoint: sms.snsEndpoint })
    : sms.kind === 'webhook' ? webhookTransport(sms.webhookUrl!, sms.webhookSecret!) : outbox;
  return {
    send: (m, sender) => (m.channel === 'sms' ? text : email).send(m, sender),
    close: () => {
      email.close?.();
      text.close?.();
    },
  };
}

/** The SMTP user when it is an address, else no-reply@<smtp host>; pools override it with EmailConfiguration.From. */
function defaultFrom(url: string): string {
  const u = new URL(url);
  const user = decodeURIComponent(u.username);
  return user.includes('@') ? user : `no-reply@${u.hostname}`;
}
