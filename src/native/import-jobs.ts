// User import jobs (Cognito's CreateUserImportJob … StopUserImportJob): a job is created with a
// single-use upload URL served by the broker itself (PUT the CSV, as to S3's pre-signed URL), started,
// run row by row (user-import.ts), and reported. Jobs live in the store's MetaStore, and each change
// of status is a compare-and-set there, so on several broker processes a job runs once.
import { randomBytes, randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import { InvalidParameter, NotFound } from '../directory/errors.js';
import type { Store } from '../directory/store.js';
import type { Pool } from '../directory/types.js';
import { BrokerError } from '../shared/errors.js';
import { safeEqual, sha256 } from '../shared/hashing.js';
import type { ForeignAlgorithm } from './foreign-hashes.js';
import { importRow, parseImportCsv } from './user-import.js';

export type ImportStatus = 'Created' | 'Pending' | 'InProgress' | 'Stopping' | 'Expired' | 'Stopped' | 'Failed' | 'Succeeded';

export interface ImportJob {
  JobId: string;
  JobName: string;
  UserPoolId: string;
  CloudWatchLogsRoleArn?: string;
  PasswordHashingAlgorithm?: ForeignAlgorithm;
  Status: ImportStatus;
  CreationDate: number;
  StartDate?: number;
  CompletionDate?: number;
  ImportedUsers: number;
  SkippedUsers: number;
  FailedUsers: number;
  CompletionMessage?: string;
  /** Per-row errors (the first MAX_REPORTED_ERRORS), 1-based row numbers after the header. */
  RowErrors: { row: number; message: string }[];
  /** The upload URL's token, hashed; its expiry; whether the CSV has come. */
  uploadTokenHash: string;
  uploadExpiresAt: number;
  uploaded: boolean;
}

/** How long the upload URL works (S3's pre-signed URLs from Cognito: 15 minutes). */
export const UPLOAD_TTL_MS = 15 * 60_000;
/** A CSV bigger than this is refused (it is kept in one MetaStore value, and a MongoDB document holds 16 MiB). */
export const MAX_CSV_BYTES = 15 * 1024 * 1024;
const MAX_REPORTED_ERRORS = 100;
/** A job checks for StopUserImportJob every this many rows. */
const STOP_CHECK_EVERY = 50;

const jobKey = (poolId: string, jobId: string) => `import-job:${poolId}:${jobId}`;
const csvKey = (poolId: string, jobId: string) => `import-csv:${poolId}:${jobId}`;
const HEX = '0123456789abcdef';

export class ImportJobs {
  constructor(private readonly store: Store, private readonly log: Logger, private readonly now: () => number = Date.now) {}

  /** A new job and the token of its upload URL (given once: only its hash is kept). */
  async create(pool: Pool, i: { jobName: string; roleArn?: string; algorithm?: ForeignAlgorithm }): Promise<{ job: ImportJob; uploadToken: string }> {
    const token = randomBytes(32).toString('base64url');
    const now = this.now();
    const job: ImportJob = {
      JobId: `import-${Array.from({ length: 10 }, () => HEX[randomInt(16)]).join('')}`, JobName: i.jobName, UserPoolId: pool.id,
      ...(i.roleArn ? { CloudWatchLogsRoleArn: i.roleArn } : {}), ...(i.algorithm ? { PasswordHashingAlgorithm: i.algorithm } : {}),
      Status: 'Created', CreationDate: now, ImportedUsers: 0, SkippedUsers: 0, FailedUsers: 0, RowErrors: [],
      uploadTokenHash: sha256(token), uploadExpiresAt: now + UPLOAD_TTL_MS, uploaded: false,
    };
    await this.store.meta.putIfAbsent(jobKey(pool.id, job.JobId), JSON.stringify(job));
    return { job, uploadToken: token };
  }

  async get(poolId: string, jobId: string): Promise<ImportJob> {
    const raw = await this.store.meta.get(jobKey(poolId, jobId));
    if (!raw) throw new NotFound('ResourceNotFoundException', `Import job ${jobId} does not exist.`);
    return JSON.parse(raw) as ImportJob;
  }

  /** The pool's jobs, oldest first. */
  async list(poolId: string): Promise<ImportJob[]> {
    return (await this.store.meta.list(`import-job:${poolId}:`)).map((e) => JSON.parse(e.value) as ImportJob).sort((a, b) => a.CreationDate - b.CreationDate || (a.JobId < b.JobId ? -1 : 1));
  }

  /** The upload URL's PUT: once, before it expires, for a job not started; false when the URL is no good. */
  async upload(poolId: string, jobId: string, token: string, csv: string): Promise<boolean> {
    const job = await this.get(poolId, jobId).catch(() => null);
    if (!job || job.uploaded || job.Status !== 'Created' || this.now() > job.uploadExpiresAt || !safeEqual(sha256(token), job.uploadTokenHash)) return false;
    // The CSV first, then the job marked: a racing second PUT finds the CSV taken (putIfAbsent) and is refused.
    if ((await this.store.meta.putIfAbsent(csvKey(poolId, jobId), csv)) !== csv) return false;
    try {
      await this.transition(poolId, jobId, (now) => {
        if (now.Status !== 'Created') throw new InvalidParameter(`Import job ${jobId} is ${now.Status}.`); // stopped meanwhile
        return { uploaded: true };
      });
      return true;
    } catch (err) {
      if (!(err instanceof InvalidParameter)) throw err;
      await this.store.meta.delete(csvKey(poolId, jobId));
      return false;
    }
  }

  /** StartUserImportJob: runs in the background; the job answers InProgress at once. */
  async start(pool: Pool, jobId: string): Promise<ImportJob> {
    const started = await this.transition(pool.id, jobId, (job) => {
      if (job.Status !== 'Created') throw new InvalidParameter(`Import job ${jobId} cannot be started: it is ${job.Status}.`);
      if (!job.uploaded) throw new BrokerError('PreconditionNotMetException', `Import job ${jobId} has no CSV yet: PUT it to its PreSignedUrl first.`);
      return { Status: 'InProgress', StartDate: this.now() };
    });
    void this.run(pool, started).catch((err) => this.log.error({ poolId: pool.id, jobId, err: (err as Error).message }, 'user import job failed'));
    return started;
  }

  /** StopUserImportJob: a running job stops at its next check, having imported what it had. */
  stop(poolId: string, jobId: string): Promise<ImportJob> {
    return this.transition(poolId, jobId, (job) => {
      if (job.Status === 'Created') return { Status: 'Stopped', CompletionDate: this.now() };
      if (job.Status === 'InProgress') return { Status: 'Stopping' };
      throw new BrokerError('UnsupportedOperationException', `Import job ${jobId} is ${job.Status}: it cannot be stopped.`);
    });
  }

  private async run(pool: Pool, job: ImportJob): Promise<void> {
    const csv = (await this.store.meta.get(csvKey(pool.id, job.JobId))) ?? '';
    let rows: Record<string, string>[];
    try {
      rows = parseImportCsv(pool, csv);
    } catch (err) {
      await this.finish(pool.id, job.JobId, { Status: 'Failed', CompletionMessage: (err as Error).message });
      return;
    }
    const tally = { ImportedUsers: 0, FailedUsers: 0, RowErrors: [] as ImportJob['RowErrors'] };
    for (const [n, row] of rows.entries()) {
      if (n % STOP_CHECK_EVERY === 0 && n > 0 && (await this.get(pool.id, job.JobId)).Status === 'Stopping') {
        await this.finish(pool.id, job.JobId, { ...tally, SkippedUsers: rows.length - n, Status: 'Stopped', CompletionMessage: `Stopped after ${n} of ${rows.length} rows.` });
        return;
      }
      try {
        await importRow(this.store, pool, row, job.PasswordHashingAlgorithm ?? null);
        tally.ImportedUsers++;
      } catch (err) {
        tally.FailedUsers++;
        if (tally.RowErrors.length < MAX_REPORTED_ERRORS) tally.RowErrors.push({ row: n + 1, message: (err as Error).message });
      }
    }
    const stopped = (await this.get(pool.id, job.JobId)).Status === 'Stopping';
    await this.finish(pool.id, job.JobId, {
      ...tally, SkippedUsers: 0, Status: stopped ? 'Stopped' : 'Succeeded',
      // The rows that failed are in the message: the SDKs pass on no member Cognito's model lacks.
      CompletionMessage: tally.FailedUsers
        ? `Imported ${tally.ImportedUsers} users; ${tally.FailedUsers} rows failed: ${tally.RowErrors.map((e) => `row ${e.row}: ${e.message}`).join('; ')}${tally.FailedUsers > tally.RowErrors.length ? '; …' : ''}`
        : `Imported ${tally.ImportedUsers} users.`,
    });
    this.log.info({ poolId: pool.id, jobId: job.JobId, imported: tally.ImportedUsers, failed: tally.FailedUsers }, 'user import job ended');
  }

  /** The job's end, whatever a concurrent StopUserImportJob wrote meanwhile; the CSV is dropped. */
  private async finish(poolId: string, jobId: string, end: Partial<ImportJob>): Promise<void> {
    await this.transition(poolId, jobId, () => ({ ...end, CompletionDate: this.now() }));
    await this.store.meta.delete(csvKey(poolId, jobId));
  }

  /**
   * Every change of a job: `next` says what changes given the job as it is now (or throws to refuse),
   * written by compare-and-set and tried again on the job as changed meanwhile by another caller.
   */
  private async transition(poolId: string, jobId: string, next: (job: ImportJob) => Partial<ImportJob>): Promise<ImportJob> {
    for (;;) {
      const job = await this.get(poolId, jobId);
      const changed = { ...job, ...next(job) };
      if (await this.store.meta.replace(jobKey(poolId, jobId), JSON.stringify(job), JSON.stringify(changed))) return changed;
    }
  }
}
