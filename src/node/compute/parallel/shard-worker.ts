/**
 * The body of a gradient shard worker: its own tfjs engine and backend, its own copy of the
 * model (rebuilt from the serialisable config), and the studio's single-thread GradientFn on
 * its rows of the batch.
 */
import * as tf from '@tensorflow/tfjs';
import type { MessagePort } from 'node:worker_threads';
import { StudioError, isStudioError, type StudioErrorInfo } from '../../../shared/errors';
import { buildModel } from '../../../shared/model';
import { bceDiceLoss, localGradientFn, type LossFn } from '../../../shared/train';
import { initBackend } from '../backend';
import {
  offsets,
  sizeOf,
  type FromWorker,
  type GradRequest,
  type GradWorkerData,
  type PredictRequest,
  type LossSpec,
  type ToWorker,
} from './protocol';

function lossFromSpec(spec: LossSpec): LossFn {
  if (spec.kind === 'bce-dice') return (yTrue, yPred) => bceDiceLoss(yTrue, yPred, spec.options);
  throw new StudioError({ code: 'internal', what: `Unknown loss "${(spec as { kind: string }).kind}"`, hint: 'Use bce-dice.' });
}

export function errorInfo(e: unknown): StudioErrorInfo {
  if (isStudioError(e)) return e.toJSON();
  const what = e instanceof Error ? e.message : String(e);
  return {
    code: 'internal',
    what: `Gradient worker failed: ${what}`,
    hint: 'See the log; retry with VAR_STUDIO_BACKEND=cpu if it persists.',
  };
}

function sameShapes(a: readonly number[][], b: readonly number[][]): boolean {
  return a.length === b.length && a.every((s, i) => s.length === b[i].length && s.every((d, j) => d === b[i][j]));
}

export async function runShardWorker(port: MessagePort, data: GradWorkerData): Promise<void> {
  const post = (m: FromWorker) => port.postMessage(m);
  let model: tf.LayersModel;
  let gradFn: ReturnType<typeof localGradientFn>;
  try {
    const backend = await initBackend(data.backend, { log: () => {} });
    model = buildModel(data.modelConfig);
    const trainShapes = model.trainableWeights.map((w) => w.shape as number[]);
    const statShapes = model.nonTrainableWeights.map((w) => w.shape as number[]);
    if (!sameShapes(trainShapes, data.trainableShapes) || !sameShapes(statShapes, data.nonTrainableShapes)) {
      throw new StudioError({
        code: 'mismatch',
        what: 'The worker built a model whose weights differ from the coordinator model',
        hint: 'Pass the ModelConfig the coordinator model was built from.',
      });
    }
    gradFn = localGradientFn(model, lossFromSpec(data.loss));
    post({ type: 'ready', backend });
  } catch (e) {
    post({ type: 'error', error: errorInfo(e) });
    return;
  }

  const trainable = model.trainableWeights;
  const stats = model.nonTrainableWeights;
  const train = offsets(data.trainableShapes);
  const stat = offsets(data.nonTrainableShapes);
  const params = new Float32Array(data.params);
  const output = new Float32Array(data.output);

  /** Load the coordinator's current weights and statistics into this model. */
  let loadedVersion = -1;
  function loadParams(version: number): void {
    if (version === loadedVersion) return;
    loadedVersion = version;
    tf.tidy(() => {
      trainable.forEach((v, i) => {
        const start = train.starts[i];
        v.write(tf.tensor(params.slice(start, start + sizeOf(data.trainableShapes[i])), data.trainableShapes[i]));
      });
      stats.forEach((v, i) => {
        const start = train.total + stat.starts[i];
        v.write(tf.tensor(params.slice(start, start + sizeOf(data.nonTrainableShapes[i])), data.nonTrainableShapes[i]));
      });
    });
  }

  function rows(sab: SharedArrayBuffer, shape: number[], start: number, count: number): tf.Tensor4D {
    const row = sizeOf(shape.slice(1));
    const values = new Float32Array(sab, start * row * 4, count * row).slice();
    return tf.tensor4d(values, [count, ...shape.slice(1)] as [number, number, number, number]);
  }

  async function predict(req: PredictRequest): Promise<number> {
    loadParams(req.paramsVersion);
    const x = rows(req.x, req.xShape, req.start, req.count);
    const y = model.predict(x) as tf.Tensor;
    try {
      const values = (await y.data()) as Float32Array;
      new Float32Array(req.out, req.start * (values.length / req.count) * 4, values.length).set(values);
      return 0;
    } finally {
      x.dispose();
      y.dispose();
    }
  }

  async function grad(req: GradRequest): Promise<number> {
    loadParams(req.paramsVersion);
    const x = rows(req.x, req.xShape, req.start, req.count);
    const y = rows(req.y, req.yShape, req.start, req.count);
    try {
      const { loss, grads } = await gradFn({ x, y });
      // Asynchronous reads: a GPU backend (webgpu) cannot read synchronously.
      const gradValues = await Promise.all(grads.map((g) => g.data() as Promise<Float32Array>));
      grads.forEach((g, i) => {
        output.set(gradValues[i], train.starts[i]);
        g.dispose();
      });
      const statValues = await Promise.all(stats.map((v) => v.read().data() as Promise<Float32Array>));
      statValues.forEach((v, i) => output.set(v, train.total + stat.starts[i]));
      return loss;
    } finally {
      x.dispose();
      y.dispose();
    }
  }

  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'stop') {
      port.close();
      return;
    }
    (msg.type === 'grad' ? grad(msg) : predict(msg)).then(
      (loss) => post({ type: 'done', id: msg.id, loss, numTensors: tf.memory().numTensors }),
      (e) => post({ type: 'error', id: msg.id, error: errorInfo(e) }),
    );
  });
}
