/**
 * `npm run bench -- convgrad [--batch 4] [--steps 5]`: for every convolution of the model, CPU ms
 * of the forward convolution and of its two gradient kernels (Conv2DBackpropFilter,
 * Conv2DBackpropInput) on the same shapes, one thread, each the mean of `steps` calls after one
 * warm-up call. Prints one JSON line with a row per convolution and the totals; the ratios
 * (gradient / forward) are what docs/performance.md compares. A fresh filter tensor per forward
 * call, as in training (new weights every step: XNNPACK packs them again).
 */
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendPreference } from '../src/node/compute/backend';
import { buildModel, modelPreset, type PresetName } from '../src/shared/model';

export interface ConvGradSpec {
  bench: 'convgrad';
  preset: PresetName;
  inputSize: number;
  batch: number;
  steps: number;
  backend: BackendPreference;
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Mean CPU ms of `steps` calls of `run` (after one warm-up); each call's output is disposed. */
function time(steps: number, run: () => tf.Tensor): number {
  run().dispose();
  let total = 0;
  for (let i = 0; i < steps; i++) {
    const t0 = cpuMs();
    const out = run();
    total += cpuMs() - t0;
    out.dispose();
  }
  return total / steps;
}

export async function runConvGradBench(spec: ConvGradSpec) {
  const backend = await initBackend(spec.backend, { log: (line) => process.stderr.write(`${line}\n`) });
  const model = buildModel(modelPreset(spec.preset, { inputSize: spec.inputSize }));
  const rows: { x: number[]; filter: number[]; stride: number; forwardMs: number; filterGradMs: number; inputGradMs: number }[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'Conv2D') continue;
    const config = layer.getConfig() as { kernelSize: number[]; strides: number[]; filters: number; padding: string };
    const [, h, w, ci] = (layer.input as tf.SymbolicTensor).shape as number[];
    const xShape: [number, number, number, number] = [spec.batch, h, w, ci];
    const filterShape: [number, number, number, number] = [config.kernelSize[0], config.kernelSize[1], ci, config.filters];
    const stride = config.strides[0];
    const pad = config.padding as 'same' | 'valid';
    const x = tf.randomNormal(xShape, 0, 1, 'float32', 1) as tf.Tensor4D;
    const filter = tf.randomNormal(filterShape, 0, 1, 'float32', 2) as tf.Tensor4D;
    const dy = tf.tidy(() => tf.randomNormal(tf.conv2d(x, filter, stride, pad).shape, 0, 1, 'float32', 3)) as tf.Tensor4D;
    const attrs = { strides: [stride, stride], pad, dataFormat: 'NHWC' };
    const forwardMs = time(spec.steps, () => tf.tidy(() => tf.conv2d(x, tf.add(filter, 0) as tf.Tensor4D, stride, pad)));
    const filterGradMs = time(
      spec.steps,
      () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape }) as tf.Tensor,
    );
    const inputGradMs = time(
      spec.steps,
      () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: xShape }) as tf.Tensor,
    );
    rows.push({
      x: xShape,
      filter: filterShape,
      stride,
      forwardMs: round(forwardMs),
      filterGradMs: round(filterGradMs),
      inputGradMs: round(inputGradMs),
    });
    tf.dispose([x, filter, dy]);
  }
  const sum = (k: 'forwardMs' | 'filterGradMs' | 'inputGradMs') => rows.reduce((s, r) => s + r[k], 0);
  return {
    bench: 'convgrad',
    backend: backend.name,
    model: spec.preset,
    batch: spec.batch,
    forwardMs: round(sum('forwardMs')),
    filterGradMs: round(sum('filterGradMs')),
    inputGradMs: round(sum('inputGradMs')),
    filterGradOverForward: round(sum('filterGradMs') / sum('forwardMs'), 2),
    inputGradOverForward: round(sum('inputGradMs') / sum('forwardMs'), 2),
    load1: round(loadavg()[0], 2),
    convs: rows,
  };
}
