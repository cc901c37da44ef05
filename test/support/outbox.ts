// The outbox file transport's output (DATA_DIR/outbox.jsonl, one JSON line a message), as tests read
// it: the messages a user would have received, and the code in one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface OutboxLine { time: string; channel: 'email' | 'sms'; to: string; subject: string; body: string }

export const outboxFile = (dir: string): string => join(dir, 'outbox.jsonl');

/** The messages written to `dir`/outbox.jsonl, oldest first; none while there is no file yet. */
export function readOutbox(dir: string): OutboxLine[] {
  let text: string;
  try {
    text = readFileSync(outboxFile(dir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as OutboxLine);
}

/** The 6-digit code in a message body, if it holds one. */
export const codeIn = (body: string): string | undefined => /\b(\d{6})\b/.exec(body)?.[1];
