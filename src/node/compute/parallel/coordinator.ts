/**
 * Data-parallel GradientFn: N worker threads, each with its own backend (single-threaded wasm
 * in Node) and model replica, compute data-loss gradients on their rows of the batch at the
 * coordinator model's current weights; the coordinator averages them, weighted by rows.
 *
 * Equivalence with the single-thread GradientFn: the loss is a per-pixel mean plus a per-image
 * Dice averaged over images, so the row-weighted average of shard gradients is the full-batch
 * gradient, except that BatchNorm normalises each shard with its own batch statistics (as
 * unsynchronised BN does in PyTorch DDP). The BatchNorm moving statistics each replica
 * produces are averaged the same way and written to the coordinator model.
 */
import * as tf from '@tensorflow/tfjs';
import type { Worker } from 'node:worker_threads';
import { StudioError } from '../../../shared/errors';
import type { ModelConfig } from '../../../shared/model';
import type { Batch, GradientFn } from '../../../shared/train';
import { startWorker } from '../../workers';
import type { BackendName } from '../backend';
import { offsets, sizeOf, type FromWorker, type GradRequest, type GradWorkerData, type LossSpec, type PredictRequest } from './protocol';

export interface ParallelGradientOptions {
  /** Worker threads (default 2). */
  workers?: number;
  /** Backend of every worker (default wasm). */
  backend?: BackendName;
  loss?: LossSpec;
}

export interface ParallelGradientEngine {
  gradFn: GradientFn;
  /** model.predict (BatchNorm in inference mode) with the batch split over the workers, at the coordinator's weights. */
  predict(x: tf.Tensor4D): Promise<tf.Tensor4D>;
  workers: number;
  /** Live tensors in each worker after its last call (for leak checks). */
  workerTensors(): number[];
  /** Resolves when every worker has its backend and model (gradFn also waits for it). */
  ready: Promise<void>;
  dispose(): Promise<void>;
}

interface Pending {
  resolve: (loss: number) => void;
  reject: (e: Error) => void;
}

/** Rows per worker: as even as possible, no empty shards. */
export function splitRows(rows: number, workers: number): { start: number; count: number }[] {
  const n = Math.max(1, Math.min(workers, rows));
  const base = Math.floor(rows / n);
  const extra = rows % n;
  const out: { start: number; count: number }[] = [];
  let start = 0;
  for (let k = 0; k < n; k++) {
    const count = base + (k < extra ? 1 : 0);
    out.push({ start, count });
    start += count;
  }
  return out;
}

function workerFailure(index: number, what: string): StudioError {
  return new StudioError({
    code: 'backend',
    what: `Gradient worker ${index} ${what}`,
    hint: 'Retry with fewer workers, or set VAR_STUDIO_BACKEND=cpu to train without them.',
  });
}

export function createParallelGradientFn(
  model: tf.LayersModel,
  modelConfig: ModelConfig,
  options: ParallelGradientOptions = {},
): ParallelGradientEngine {
  const count = Math.max(1, Math.floor(options.workers ?? 2));
  const trainable = model.trainableWeights;
  const stats = model.nonTrainableWeights;
  const trainableShapes = trainable.map((w) => w.shape as number[]);
  const statShapes = stats.map((w) => w.shape as number[]);
  const train = offsets(trainableShapes);
  const stat = offsets(statShapes);
  const paramsSab = new SharedArrayBuffer((train.total + stat.total) * 4);
  const params = new Float32Array(paramsSab);
  let xSab = new SharedArrayBuffer(4);
  let ySab = new SharedArrayBuffer(4);

  const workers: Worker[] = [];
  const outputs: Float32Array[] = [];
  const workerTensors: number[] = new Array<number>(count).fill(0);
  const pending = new Map<number, Pending>();
  const readiness: Promise<void>[] = [];
  let failed: StudioError | undefined;
  let nextId = 1;
  let disposed = false;

  const failAll = (e: StudioError) => {
    failed ??= e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };

  for (let index = 0; index < count; index++) {
    const outputSab = new SharedArrayBuffer((train.total + stat.total) * 4);
    outputs.push(new Float32Array(outputSab));
    const data: GradWorkerData = {
      index,
      modelConfig,
      backend: options.backend ?? 'wasm',
      loss: options.loss ?? { kind: 'bce-dice' },
      trainableShapes,
      nonTrainableShapes: statShapes,
      params: paramsSab,
      output: outputSab,
    };
    const worker = startWorker('grad', data, { name: `grad-${index}` });
    workers.push(worker);
    readiness.push(
      new Promise<void>((resolve, reject) => {
        worker.on('message', (msg: FromWorker) => {
          if (msg.type === 'ready') resolve();
          else if (msg.type === 'done') {
            workerTensors[index] = msg.numTensors;
            pending.get(msg.id)?.resolve(msg.loss);
            pending.delete(msg.id);
          } else {
            const e = new StudioError(msg.error);
            if (msg.id === undefined) reject(e);
            else {
              pending.get(msg.id)?.reject(e);
              pending.delete(msg.id);
            }
          }
        });
        worker.on('error', (err) => {
          const e = workerFailure(index, `crashed: ${err.message}`);
          reject(e);
          failAll(e);
        });
        worker.on('exit', (code) => {
          if (disposed) return;
          const e = workerFailure(index, `exited (code ${code})`);
          reject(e);
          failAll(e);
        });
      }),
    );
  }
  const ready = Promise.all(readiness).then(() => undefined);
  // Startup errors surface through gradFn/ready; keep Node from reporting them as unhandled here.
  ready.catch(() => undefined);

  function call(index: number, req: Omit<GradRequest, 'id'> | Omit<PredictRequest, 'id'>): Promise<number> {
    const id = nextId++;
    return new Promise<number>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      workers[index].postMessage({ ...req, id });
    });
  }

  // Weights are copied to the workers only when some variable was assigned since the last copy
  // (assign gives a variable a new dataId), so repeated predictions reuse the workers' weights
  // and their packed convolution operators.
  let paramsVersion = 0;
  let written: object[] = [];
  async function writeParams(): Promise<void> {
    const vars = [...trainable, ...stats].map((v) => v.read());
    if (written.length === vars.length && vars.every((v, i) => v.dataId === written[i])) return;
    const values = await Promise.all(vars.map((v) => v.data() as Promise<Float32Array>));
    values.forEach((v, i) => {
      const start = i < trainable.length ? train.starts[i] : train.total + stat.starts[i - trainable.length];
      params.set(v, start);
    });
    written = vars.map((v) => v.dataId);
    paramsVersion++;
  }

  const grow = (sab: SharedArrayBuffer, floats: number) => (sab.byteLength < floats * 4 ? new SharedArrayBuffer(floats * 4) : sab);

  async function writeBatch(batch: Batch): Promise<void> {
    const [xs, ys] = await Promise.all([batch.x.data(), batch.y.data()]);
    xSab = grow(xSab, xs.length);
    ySab = grow(ySab, ys.length);
    new Float32Array(xSab).set(xs);
    new Float32Array(ySab).set(ys);
  }

  async function compute(batch: Batch): Promise<{ loss: number; grads: tf.Tensor[] }> {
    if (disposed) throw workerFailure(0, 'pool was disposed');
    await ready;
    if (failed) throw failed;
    const rows = batch.x.shape[0];
    const shards = splitRows(rows, workers.length);
    await Promise.all([writeParams(), writeBatch(batch)]);
    const losses = await Promise.all(
      shards.map((s, k) =>
        call(k, {
          type: 'grad',
          paramsVersion,
          x: xSab,
          y: ySab,
          xShape: [...batch.x.shape],
          yShape: [...batch.y.shape],
          start: s.start,
          count: s.count,
        }),
      ),
    );
    // Each worker's BatchNorm statistics moved during its pass: the next call must copy `params`
    // again even if the coordinator's variables are then restored to the tensors last written
    // (a clone shares its source's memory, so a restored variable can have the same dataId).
    written = [];
    const weights = shards.map((s) => s.count / rows);
    const loss = losses.reduce((sum, l, k) => sum + weights[k] * l, 0);
    const average = (start: number, size: number): Float32Array => {
      const out = new Float32Array(size);
      shards.forEach((_, k) => {
        const src = outputs[k];
        const w = weights[k];
        for (let j = 0; j < size; j++) out[j] += w * src[start + j];
      });
      return out;
    };
    const grads = trainableShapes.map((shape, i) => tf.tensor(average(train.starts[i], sizeOf(shape)), shape));
    tf.tidy(() => {
      statShapes.forEach((shape, i) => stats[i].write(tf.tensor(average(train.total + stat.starts[i], sizeOf(shape)), shape)));
    });
    return { loss, grads };
  }

  let outSab = new SharedArrayBuffer(4);
  async function infer(x: tf.Tensor4D): Promise<tf.Tensor4D> {
    if (disposed) throw workerFailure(0, 'pool was disposed');
    await ready;
    if (failed) throw failed;
    const [n, h, w] = x.shape;
    const shards = splitRows(n, workers.length);
    const xs = await x.data();
    await writeParams();
    xSab = grow(xSab, xs.length);
    new Float32Array(xSab).set(xs);
    outSab = grow(outSab, n * h * w);
    await Promise.all(
      shards.map((s, k) =>
        call(k, { type: 'predict', paramsVersion, x: xSab, xShape: [...x.shape], start: s.start, count: s.count, out: outSab }),
      ),
    );
    return tf.tensor4d(new Float32Array(outSab, 0, n * h * w).slice(), [n, h, w, 1]);
  }

  // Calls are serialised: the shared buffers hold one batch and one set of weights at a time.
  let queue: Promise<unknown> = Promise.resolve();
  function serial<A, R>(f: (a: A) => Promise<R>): (a: A) => Promise<R> {
    return (a) => {
      const run = queue.then(() => f(a));
      queue = run.catch(() => undefined);
      return run;
    };
  }
  const gradFn: GradientFn = serial(compute);
  const predict = serial(infer);

  async function dispose(): Promise<void> {
    if (disposed) return;
    disposed = true;
    failAll(workerFailure(0, 'pool was disposed'));
    await Promise.all(workers.map((w) => w.terminate()));
  }

  return { gradFn, predict, workers: count, ready, dispose, workerTensors: () => [...workerTensors] };
}
