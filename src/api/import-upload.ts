// The PreSignedUrl of a user import job: `PUT PUBLIC_URL/<poolId>/import-jobs/<jobId>?token=…` with
// the CSV as the body, as operators PUT to S3's pre-signed URL (curl -T users.csv URL). Once, before
// it expires, at most MAX_CSV_BYTES; any other request changes nothing.
import Router from '@koa/router';
import { MAX_CSV_BYTES } from '../native/import-jobs.js';
import type { Services } from '../services.js';

export function importUploadRouter(s: Services): Router {
  const router = new Router();
  router.put('/:poolId/import-jobs/:jobId', async (ctx) => {
    const token = typeof ctx.query.token === 'string' ? ctx.query.token : '';
    const tooLarge = () => {
      ctx.status = 413;
      ctx.body = { message: `The CSV is larger than ${MAX_CSV_BYTES} bytes.` };
    };
    // Refused before reading when it says it is too large, and cut off when it turns out so.
    if (Number(ctx.get('content-length') || 0) > MAX_CSV_BYTES) return tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_CSV_BYTES) return tooLarge();
      chunks.push(chunk);
    }
    const ok = await s.importJobs.upload(ctx.params.poolId!, ctx.params.jobId!, token, Buffer.concat(chunks).toString('utf8'));
    // One answer for every refusal (unknown job, wrong token, used, expired): the URL is no good.
    ctx.status = ok ? 200 : 403;
    ctx.body = ok ? '' : { message: 'This upload URL is not valid: unknown, expired or used already.' };
  });
  return router;
}
