/**
 * Messages and shared memory between the gradient coordinator and its shard workers.
 * Bulk data (weights, batches, gradients) travels through SharedArrayBuffers; messages carry
 * only offsets and counts.
 */
import type { ModelConfig } from '../../../shared/model';
import type { BceDiceOptions } from '../../../shared/train';
import type { StudioErrorInfo } from '../../../shared/errors';
import type { BackendInfo, BackendName } from '../backend';

/** The data loss, by name, so a worker can rebuild it. */
export type LossSpec = { kind: 'bce-dice'; options?: BceDiceOptions };

export interface GradWorkerData {
  index: number;
  modelConfig: ModelConfig;
  backend: BackendName;
  loss: LossSpec;
  /** Shapes of model.trainableWeights, then of model.nonTrainableWeights, in model order. */
  trainableShapes: number[][];
  nonTrainableShapes: number[][];
  /** Float32: all trainable values, then all non-trainable values (written by the coordinator). */
  params: SharedArrayBuffer;
  /** Float32: this worker's gradients (trainable layout), then its updated non-trainable values. */
  output: SharedArrayBuffer;
}

export interface GradRequest {
  type: 'grad';
  id: number;
  /** Bumped by the coordinator whenever it rewrote `params`; the worker reloads only then. */
  paramsVersion: number;
  /** Float32 [N,H,W,C] and [N,H,W,1] of the whole batch; the worker reads rows [start, start+count). */
  x: SharedArrayBuffer;
  y: SharedArrayBuffer;
  xShape: number[];
  yShape: number[];
  start: number;
  count: number;
}

/** Inference (BatchNorm in inference mode) on rows [start, start+count) of x into `out` ([N,H,W,1] float32). */
export interface PredictRequest {
  type: 'predict';
  id: number;
  paramsVersion: number;
  x: SharedArrayBuffer;
  xShape: number[];
  start: number;
  count: number;
  out: SharedArrayBuffer;
}

export type ToWorker = GradRequest | PredictRequest | { type: 'stop' };

export type FromWorker =
  | { type: 'ready'; backend: BackendInfo }
  | { type: 'done'; id: number; loss: number; /** Live tensors in the worker after the call (leak checks). */ numTensors: number }
  | { type: 'error'; id?: number; error: StudioErrorInfo };

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Start offset (in floats) of each tensor when they are packed back to back. */
export function offsets(shapes: readonly number[][]): { starts: number[]; total: number } {
  const starts: number[] = [];
  let total = 0;
  for (const s of shapes) {
    starts.push(total);
    total += sizeOf(s);
  }
  return { starts, total };
}
