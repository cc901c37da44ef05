// Messages with codes (sign-up confirmation, password reset): stored in the outbox, then delivered by
// the transport DELIVERY names (the outbox.jsonl file or SMTP); bodies never reach the log.
export { Delivery } from './delivery.js';
export { createTransport, outboxFileTransport, smtpTransport, type Message, type Sender, type Transport } from './transports.js';
