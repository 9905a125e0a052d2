/** Gradient shard worker (see src/node/compute/parallel): one model replica, one slice of each batch. */
import { parentPort, workerData } from 'node:worker_threads';
import { runShardWorker } from '../node/compute/parallel/shard-worker';
import type { GradWorkerData } from '../node/compute/parallel/protocol';

if (!parentPort) throw new Error('grad.worker must run as a worker thread');
void runShardWorker(parentPort, workerData as GradWorkerData);
