/**
 * The one protocol between a job's host (src/node/jobs/host.ts) and its child process
 * (src/node/jobs/worker.ts). Every job kind uses it; a kind only chooses its types D (the input),
 * P (progress values) and R (the result).
 */
import type { StudioErrorInfo } from '../../shared/errors';

/** Host -> job: the input once at start, then possibly a cancel request. */
export type ToJob<D> = { type: 'start'; data: D } | { type: 'cancel' };

/** Job -> host: progress values, then exactly one final message (done or error), then the process exits. */
export type FromJob<P, R> = { type: 'progress'; value: P } | { type: 'done'; result: R } | { type: 'error'; error: StudioErrorInfo };
