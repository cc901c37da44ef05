// An Amazon SNS stand-in: Publish over SNS's query protocol (a SigV4-signed form POST, an XML answer),
// as the AWS SDK's SNSClient speaks it. It records each message; `failNext` answers the next one with
// SNS's throttling error, as a real SNS under load does.
import { randomUUID } from 'node:crypto';
import { startFakeServer, type FakeServer } from './http.js';

export interface SnsMessage { phoneNumber: string; message: string; smsType: string | undefined; authorization: string }

export interface SnsFake extends FakeServer {
  messages: SnsMessage[];
  failNext(): void;
}

export async function startSnsFake(): Promise<SnsFake> {
  const messages: SnsMessage[] = [];
  let fail = false;
  const server = await startFakeServer({
    form: 'urlencoded',
    async handle(req, res, { form }) {
      res.setHeader('content-type', 'text/xml');
      if (fail || form.Action !== 'Publish') {
        fail = false;
        res.statusCode = 400;
        const code = form.Action !== 'Publish' ? 'InvalidAction' : 'Throttling';
        return res.end(`<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${code}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`);
      }
      // MessageAttributes.entry.N.Name / .Value.StringValue, as the query protocol flattens them.
      const n = Object.keys(form).find((k) => /^MessageAttributes\.entry\.\d+\.Name$/.test(k) && form[k] === 'AWS.SNS.SMS.SMSType');
      messages.push({ phoneNumber: form.PhoneNumber ?? '', message: form.Message ?? '', smsType: n ? form[n.replace('.Name', '.Value.StringValue')] : undefined, authorization: String(req.headers.authorization ?? '') });
      res.end(`<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`);
    },
    onError(res) {
      res.statusCode = 500;
      res.end();
    },
  });
  return { ...server, messages, failNext: () => void (fail = true) };
}
