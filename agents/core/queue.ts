/**
 * BullMQ queue and worker factories with the project's defaults: Redis connections that never give up on a
 * command (`maxRetriesPerRequest: null`, required by workers), attempts with exponential backoff, a long
 * retention of completed and failed jobs (completed job ids are what dedupes re-enqueued events), repeatable
 * jobs through job schedulers, graceful close, and a failed-set summary for `/status`.
 */
import {
  Queue,
  UnrecoverableError,
  Worker,
  type Job,
  type JobsOptions,
  type Processor,
  type RepeatOptions,
} from "bullmq";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { NonRetryableError } from "./errors.js";

export { Queue, Worker, UnrecoverableError, type Job, type JobsOptions };

/** Opens a Redis connection suitable for BullMQ queues and workers. Call `.quit()` when done. */
export function createRedisConnection(url: string, options: { name?: string; lazy?: boolean } = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    connectionName: options.name,
    lazyConnect: options.lazy ?? false,
  });
}

/** Defaults for every job: 5 attempts, exponential backoff from 1 s, keep many completed and failed jobs. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: "exponential", delay: 1000 },
  removeOnComplete: { count: 100_000 },
  removeOnFail: { count: 100_000 },
};

/** Options of {@link createQueue}. */
export interface CreateQueueOptions {
  connection: Redis;
  /** Merged over {@link DEFAULT_JOB_OPTIONS}. */
  defaultJobOptions?: JobsOptions;
  /** Redis key prefix (default `bull`). */
  prefix?: string;
  logger?: Logger;
}

/** Creates a queue with the project defaults and an `error` listener. */
export function createQueue<T = unknown>(name: string, options: CreateQueueOptions): Queue<T> {
  const queue = new Queue<T>(name, {
    connection: options.connection,
    prefix: options.prefix,
    defaultJobOptions: { ...DEFAULT_JOB_OPTIONS, ...options.defaultJobOptions },
  });
  queue.on("error", (err) => options.logger?.error({ err, queue: name }, "queue error"));
  return queue;
}

/** Options of {@link createWorker}. */
export interface CreateWorkerOptions {
  connection: Redis;
  concurrency?: number;
  prefix?: string;
  /** How long a job's lock lasts without renewal, ms (default 30000). A crashed worker's job is retried after it. */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for, ms (default 30000). */
  stalledIntervalMs?: number;
  /** Rate limit: at most `max` jobs per `durationMs`. */
  limiter?: { max: number; durationMs: number };
  /** Start processing at once (default true). */
  autorun?: boolean;
  logger?: Logger;
  /** Called after a job's last failed attempt (or an unrecoverable failure). */
  onFailed?: (job: Job<unknown> | undefined, err: Error, final: boolean) => void;
  onCompleted?: (job: Job<unknown>) => void;
}

/**
 * Creates a worker. A processor that throws {@link NonRetryableError} fails its job at once (BullMQ's
 * `UnrecoverableError`); any other error is retried with the job's backoff.
 */
export function createWorker<T, R>(
  name: string,
  processor: Processor<T, R>,
  options: CreateWorkerOptions,
): Worker<T, R> {
  const wrapped: Processor<T, R> = async (job, token, signal) => {
    try {
      return await processor(job, token, signal);
    } catch (err) {
      if (err instanceof NonRetryableError) throw new UnrecoverableError(err.message);
      throw err;
    }
  };
  const worker = new Worker<T, R>(name, wrapped, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency ?? 1,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    limiter: options.limiter ? { max: options.limiter.max, duration: options.limiter.durationMs } : undefined,
    autorun: options.autorun ?? true,
  });
  worker.on("error", (err) => options.logger?.error({ err, queue: name }, "worker error"));
  worker.on("failed", (job, err) => {
    const attempts = job?.opts.attempts ?? 1;
    const final = !job || err instanceof UnrecoverableError || job.attemptsMade >= attempts;
    const log = final ? options.logger?.error.bind(options.logger) : options.logger?.warn.bind(options.logger);
    log?.({ err, queue: name, job_id: job?.id, attempt: job?.attemptsMade, final }, "job failed");
    options.onFailed?.(job as Job<unknown> | undefined, err, final);
  });
  if (options.onCompleted) worker.on("completed", (job) => options.onCompleted?.(job as Job<unknown>));
  return worker;
}

/**
 * Registers (or updates) periodic work: a job scheduler that adds a job named `jobName` every `everyMs`
 * (or on a cron `pattern`). Idempotent by `schedulerId`, so every process of an agent can call it.
 */
export async function scheduleRepeatable<T>(
  queue: Queue<T>,
  schedulerId: string,
  schedule: { everyMs: number } | { pattern: string },
  job: { name: string; data: T; opts?: Pick<JobsOptions, "attempts" | "backoff" | "priority"> },
): Promise<void> {
  const repeat: Omit<RepeatOptions, "key"> =
    "everyMs" in schedule ? { every: schedule.everyMs } : { pattern: schedule.pattern };
  await (queue as unknown as Queue).upsertJobScheduler(schedulerId, repeat, {
    name: job.name,
    data: job.data,
    opts: job.opts,
  });
}

/** A failed job as shown on `/status`. */
export interface FailedJobSummary {
  id: string | undefined;
  name: string;
  failedReason: string;
  attemptsMade: number;
  finishedOn: number | undefined;
  data: unknown;
}

/** Queue health for `/status`: counts per state and the most recent failed jobs. */
export interface QueueStatus {
  name: string;
  counts: Record<string, number>;
  failed: FailedJobSummary[];
}

/** Counts per job state plus the last `failedLimit` failed jobs with their reasons (newest first). */
export async function getQueueStatus(queue: Queue, failedLimit = 10): Promise<QueueStatus> {
  const counts = await queue.getJobCounts("waiting", "active", "delayed", "completed", "failed", "prioritized");
  const failedJobs = failedLimit > 0 ? await queue.getFailed(0, failedLimit - 1) : [];
  return {
    name: queue.name,
    counts,
    failed: failedJobs.map((j) => ({
      id: j.id,
      name: j.name,
      failedReason: j.failedReason,
      attemptsMade: j.attemptsMade,
      finishedOn: j.finishedOn,
      data: j.data as unknown,
    })),
  };
}

/** Closes workers (finishing active jobs unless `force`), then queues. Never throws. */
export async function closeAll(
  workers: readonly Worker[],
  queues: readonly Queue[],
  options: { force?: boolean; logger?: Logger } = {},
): Promise<void> {
  const settle = async (label: string, p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      options.logger?.warn({ err }, `closing ${label} failed`);
    }
  };
  await Promise.all(workers.map((w) => settle(`worker ${w.name}`, w.close(options.force ?? false))));
  await Promise.all(queues.map((q) => settle(`queue ${q.name}`, q.close())));
}
