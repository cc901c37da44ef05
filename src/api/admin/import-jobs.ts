// Moving users in with SigV4: GetCSVHeader and the user import jobs (rules: native/import-jobs.ts and
// user-import.ts). The PreSignedUrl is the broker's own (api/import-upload.ts takes the PUT).
import { z } from 'zod';
import { FOREIGN_ALGORITHMS } from '../../native/foreign-hashes.js';
import type { ImportJob } from '../../native/import-jobs.js';
import { csvHeader } from '../../native/user-import.js';
import type { ApiAction } from '../action.js';
import { defineAction } from '../action.js';
import { Limit, NextToken, pageOf, poolFor, seconds, UserPoolId } from './common.js';

const JobId = z.string({ error: 'Member must not be null' }).regex(/^import-[0-9a-zA-Z-]{2,}$/, 'Member must satisfy regular expression pattern: import-[0-9a-zA-Z-]+').max(55);
const JobName = z.string({ error: 'Member must not be null' }).min(1).max(128).regex(/^[\w\s+=,.@-]+$/, 'Member must satisfy regular expression pattern: [\\w\\s+=,.@-]+');

/** Cognito's UserImportJobType (plus the broker's PasswordHashingAlgorithm and the rows that failed). */
const jobType = (j: ImportJob, preSignedUrl?: string) => ({
  JobName: j.JobName, JobId: j.JobId, UserPoolId: j.UserPoolId, ...(preSignedUrl ? { PreSignedUrl: preSignedUrl } : {}),
  CreationDate: seconds(j.CreationDate), ...(j.StartDate ? { StartDate: seconds(j.StartDate) } : {}), ...(j.CompletionDate ? { CompletionDate: seconds(j.CompletionDate) } : {}),
  Status: j.Status, ...(j.CloudWatchLogsRoleArn ? { CloudWatchLogsRoleArn: j.CloudWatchLogsRoleArn } : {}),
  ImportedUsers: j.ImportedUsers, SkippedUsers: j.SkippedUsers, FailedUsers: j.FailedUsers, ...(j.CompletionMessage ? { CompletionMessage: j.CompletionMessage } : {}),
  ...(j.PasswordHashingAlgorithm ? { PasswordHashingAlgorithm: j.PasswordHashingAlgorithm } : {}), ...(j.RowErrors.length ? { RowErrors: j.RowErrors } : {}),
});

export const getCSVHeader = defineAction({
  name: 'GetCSVHeader', summary: "The columns of the pool's import CSV: Cognito's, the custom attributes, and the broker's password_hash.", state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    return { UserPoolId: pool.id, CSVHeader: csvHeader(pool) };
  },
});

export const createUserImportJob = defineAction({
  name: 'CreateUserImportJob', summary: 'A user import job and its PreSignedUrl: PUT the CSV there (once, within 15 minutes), then StartUserImportJob.', state: 'supported', access: 'sigv4',
  notes: 'The broker\'s own PasswordHashingAlgorithm (BCRYPT, SCRYPT, ARGON2ID, PBKDF2_SHA256) holds every row\'s `password_hash` to that format (without it, any of them is read), which the user keeps signing in with (rehashed to argon2id at the next password sign-in); rows without one are RESET_REQUIRED, as in Cognito. CloudWatchLogsRoleArn is kept and not used: per-row errors are in the job (RowErrors).',
  errors: ['ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId, JobName, CloudWatchLogsRoleArn: z.string().min(20).max(2048).optional(), PasswordHashingAlgorithm: z.enum(FOREIGN_ALGORITHMS).optional() }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    const { job, uploadToken } = await call.s.importJobs.create(pool, {
      jobName: i.JobName, ...(i.CloudWatchLogsRoleArn ? { roleArn: i.CloudWatchLogsRoleArn } : {}), ...(i.PasswordHashingAlgorithm ? { algorithm: i.PasswordHashingAlgorithm } : {}),
    });
    return { UserImportJob: jobType(job, `${call.s.publicUrl}/${pool.id}/import-jobs/${job.JobId}?token=${uploadToken}`) };
  },
});

export const startUserImportJob = defineAction({
  name: 'StartUserImportJob', summary: 'Starts a job whose CSV was uploaded; it runs in the background (DescribeUserImportJob follows it).', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'InvalidParameterException', 'PreconditionNotMetException'],
  input: z.object({ UserPoolId, JobId }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    return { UserImportJob: jobType(await call.s.importJobs.start(pool, i.JobId)) };
  },
});

export const stopUserImportJob = defineAction({
  name: 'StopUserImportJob', summary: 'Stops a job: rows imported so far stay, the rest are skipped.', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'InvalidParameterException', 'UnsupportedOperationException'],
  input: z.object({ UserPoolId, JobId }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    return { UserImportJob: jobType(await call.s.importJobs.stop(pool.id, i.JobId)) };
  },
});

export const describeUserImportJob = defineAction({
  name: 'DescribeUserImportJob', summary: "A job's status, counts and the rows that failed.", state: 'supported', access: 'sigv4',
  notes: 'The PreSignedUrl is given only by CreateUserImportJob (the broker keeps only its hash).',
  errors: ['ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId, JobId }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    return { UserImportJob: jobType(await call.s.importJobs.get(pool.id, i.JobId)) };
  },
});

export const listUserImportJobs = defineAction({
  name: 'ListUserImportJobs', summary: "The pool's import jobs, oldest first, a page at a time.", state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId, MaxResults: Limit(60).min(1, 'Member must have value greater than or equal to 1'), PaginationToken: NextToken.optional() }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    const jobs = await call.s.importJobs.list(pool.id);
    const key = (j: ImportJob) => `${String(j.CreationDate).padStart(15, '0')}:${j.JobId}`;
    const page = pageOf(jobs, key, i.MaxResults, i.PaginationToken);
    return { UserImportJobs: page.items.map((j) => jobType(j)), ...(page.next ? { PaginationToken: page.next } : {}) };
  },
});

export const ADMIN_IMPORT_ACTIONS: readonly ApiAction[] = [
  getCSVHeader, createUserImportJob, startUserImportJob, stopUserImportJob, describeUserImportJob, listUserImportJobs,
] as ApiAction[];
