// The outbox: messages are stored first, then handed to the transport; what fails stays pending.
import type { Logger } from 'pino';
import type { Store } from '../directory/store.js';
import type { OutboxMessage } from '../directory/types.js';
import type { Message, Sender, Transport } from './transports.js';

const BATCH = 100;

export class Delivery {
  private readonly store: Store;
  private readonly transport: Transport;
  private readonly log: Logger;
  /** Flushes run one at a time (two at once would send a message twice). */
  private running: Promise<unknown> = Promise.resolve();
  /** A flush queued behind the running one: later callers join it, it will see their messages. */
  private next: Promise<number> | null = null;

  constructor(o: { store: Store; transport: Transport; log: Logger }) {
    this.store = o.store;
    this.transport = o.transport;
    this.log = o.log;
  }

  /** Stores the message, then flushes; a transport failure leaves it pending (no error). */
  async send(m: Message): Promise<void> {
    await this.store.outbox.enqueue(m, Date.now());
    await this.flush();
  }

  /** Stores the message and flushes in the background: the caller's answer does not wait for a mail server. */
  async queue(m: Message): Promise<void> {
    await this.store.outbox.enqueue(m, Date.now());
    this.flush().catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'outbox flush failed'));
  }

  /** Sends every pending message; returns how many went out. */
  flush(): Promise<number> {
    if (this.next) return this.next;
    const run = this.running.then(() => {
      this.next = null;
      return this.drain();
    });
    this.next = run;
    this.running = run.catch(() => undefined);
    return run;
  }

  private async drain(): Promise<number> {
    const tried = new Set<string>();
    const senders = new Map<string | null, Promise<Sender>>();
    let sent = 0;
    for (;;) {
      // Failed messages stay pending at the head of the list: ask for enough to get past them.
      const batch = (await this.store.outbox.listPending(tried.size + BATCH)).filter((m) => !tried.has(m.id));
      if (batch.length === 0) return sent;
      for (const m of batch) {
        tried.add(m.id);
        if (!senders.has(m.poolId)) senders.set(m.poolId, this.senderOf(m.poolId));
        if (await this.deliver(m, await senders.get(m.poolId)!)) sent++;
      }
    }
  }

  private async deliver(m: OutboxMessage, sender: Sender): Promise<boolean> {
    const about = { channel: m.channel, to: m.to, subject: m.subject }; // never the body: it holds a code
    try {
      await this.transport.send(m, sender);
    } catch (err) {
      this.log.warn({ ...about, err: (err as Error).message }, 'message not delivered, will retry');
      return false;
    }
    await this.store.outbox.markSent(m.id, Date.now());
    this.log.info(about, 'message delivered');
    return true;
  }

  private async senderOf(poolId: string | null): Promise<Sender> {
    const pool = poolId ? await this.store.pools.getPool(poolId) : null;
    const c = pool?.settings.EmailConfiguration;
    return { from: c?.From, replyTo: c?.ReplyToEmailAddress };
  }
}
