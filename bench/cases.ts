/**
 * Benchmark cases. Each runs in its own process (see index.ts) so that peak RSS and the tfjs
 * engine belong to that case alone.
 */
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendPreference } from '../src/node/compute/backend';
import { createParallelGradientFn } from '../src/node/compute/parallel';
import { buildModel, countFlops, modelPreset, type ModelConfig, type PresetName } from '../src/shared/model';
import { createRng } from '../src/shared/rng';
import { bceDiceLoss, createOptimizer, localGradientFn, type GradientFn } from '../src/shared/train';

export interface CaseSpec {
  bench: 'train' | 'infer';
  preset: PresetName;
  inputSize: number;
  batch: number;
  steps: number;
  warmup: number;
  /** 0 = in-process single thread; n >= 1 = data-parallel worker threads (training and inference). */
  workers: number;
  /** Training only: VAR lambda (0 = plain SGD). */
  varLambda: number;
  backend: BackendPreference;
}

export interface CaseResult {
  bench: string;
  backend: string;
  model: string;
  optimizer?: string;
  inputShape: number[];
  batch: number;
  medianMs: number;
  minMs: number;
  imagesPerSec: number;
  gflops: number;
  peakRssMB: number;
  /** CPU ms per step summed over all threads of the process (see timeSteps). */
  cpuMsPerStep: number;
  /** Load average (1 min) when the case finished: other processes share the cores. */
  load1: number;
  steps: number;
  warmup: number;
  workers: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** A fixed synthetic batch: timing does not depend on the pixel values. */
function syntheticBatch(cfg: ModelConfig, batch: number): { x: tf.Tensor4D; y: tf.Tensor4D } {
  return tf.tidy(() => ({
    x: tf.randomUniform([batch, cfg.inputSize, cfg.inputSize, cfg.inChannels], 0, 1, 'float32', 1) as tf.Tensor4D,
    y: tf.cast(tf.greater(tf.randomUniform([batch, cfg.inputSize, cfg.inputSize, 1], 0, 1, 'float32', 2), 0.8), 'float32') as tf.Tensor4D,
  }));
}

/**
 * Wall time per step, plus the CPU time the whole process (worker threads included) spent per
 * step: on a shared machine the wall time mostly measures the neighbours, the CPU time does not.
 */
async function timeSteps(spec: CaseSpec, step: () => Promise<void>): Promise<{ times: number[]; cpuMs: number }> {
  for (let i = 0; i < spec.warmup; i++) await step();
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < spec.steps; i++) {
    const t0 = performance.now();
    await step();
    times.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  return { times, cpuMs: (cpu.user + cpu.system) / 1000 / spec.steps };
}

export async function runCase(spec: CaseSpec): Promise<CaseResult> {
  const backend = await initBackend(spec.backend, { log: (line) => process.stderr.write(`${line}\n`) });
  const cfg = modelPreset(spec.preset, { inputSize: spec.inputSize });
  const model = buildModel(cfg);
  const flopsPerImage = countFlops(model);
  const batch = syntheticBatch(cfg, spec.batch);
  let timing: { times: number[]; cpuMs: number };
  let optimizerName: string | undefined;
  let dispose = async () => {};

  if (spec.bench === 'infer') {
    let predict = async (x: tf.Tensor4D) => model.predict(x) as tf.Tensor;
    if (spec.workers > 0) {
      const engine = createParallelGradientFn(model, cfg, { workers: spec.workers, backend: backend.name });
      await engine.ready;
      predict = (x) => engine.predict(x);
      dispose = () => engine.dispose();
    }
    timing = await timeSteps(spec, async () => {
      const out = await predict(batch.x);
      await out.data();
      out.dispose();
    });
  } else {
    let gradFn: GradientFn;
    if (spec.workers > 0) {
      const engine = createParallelGradientFn(model, cfg, { workers: spec.workers, backend: backend.name });
      await engine.ready;
      gradFn = engine.gradFn;
      dispose = () => engine.dispose();
    } else {
      gradFn = localGradientFn(model, (a, b) => bceDiceLoss(a, b));
    }
    const optimizer = createOptimizer(model, { method: 'sgd', lr: 0.01, momentum: 0.9, varLambda: spec.varLambda }, createRng(1));
    optimizerName = spec.varLambda > 0 ? `sgd+var(${spec.varLambda})` : 'sgd';
    timing = await timeSteps(spec, async () => {
      await optimizer.step(gradFn, batch, 0.01);
    });
    optimizer.dispose();
  }
  await dispose();

  const { times, cpuMs } = timing;
  const med = median(times);
  const passes = spec.bench === 'train' ? 3 : 1; // backward ~ 2x forward
  return {
    bench: spec.bench,
    backend: backend.name,
    model: cfg.preset ?? cfg.encoder,
    ...(optimizerName ? { optimizer: optimizerName } : {}),
    inputShape: [cfg.inputSize, cfg.inputSize, cfg.inChannels],
    batch: spec.batch,
    medianMs: round(med),
    minMs: round(Math.min(...times)),
    imagesPerSec: round((spec.batch * 1000) / med),
    gflops: round((flopsPerImage * spec.batch * passes) / (med / 1000) / 1e9, 2),
    peakRssMB: round(process.resourceUsage().maxRSS / 1024, 0),
    cpuMsPerStep: round(cpuMs),
    load1: round(loadavg()[0], 2),
    steps: spec.steps,
    warmup: spec.warmup,
    workers: spec.workers,
  };
}
