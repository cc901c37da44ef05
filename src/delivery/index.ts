// Messages with codes (sign-up confirmation, password reset, MFA): stored in the outbox, then delivered by
// the transports DELIVERY and SMS_DELIVERY name (the outbox.jsonl file, SMTP, SNS, a webhook); bodies never reach the log.
export { Delivery } from './delivery.js';
export { createTransport, outboxFileTransport, smtpTransport, snsTransport, webhookTransport, type Message, type Sender, type SmsDelivery, type Transport } from './transports.js';
