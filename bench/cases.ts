/**
 * Benchmark cases. Each runs in its own process (see index.ts) so that peak RSS and the tfjs
 * engine belong to that case alone.
 */
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendPreference } from '../src/node/compute/backend';
import { backendLabel, describeAdapter } from '../src/shared/backend';
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
  /** The backend as users see it, e.g. "wasm" or "webgpu (SwiftShader, software)". */
  backend: string;
  /** webgpu: vendor, architecture, description of the adapter. */
  adapter?: string;
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
  /** Training only: median ms of one inference pass of the same batch at the same workers, timed alternately with the steps. */
  inferMs?: number;
  /** Training only: medianMs / inferMs, i.e. what a training step costs in forward passes (both measured in this run). */
  trainOverForward?: number;
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

/**
 * Times `train` and `forward` alternately, one of each per step, so both see the same load from
 * the other processes on the machine: their ratio is meaningful even when the milliseconds are not.
 * The CPU time covers the training steps only.
 */
async function timeAlternating(
  spec: CaseSpec,
  train: () => Promise<void>,
  forward: () => Promise<void>,
): Promise<{ times: number[]; forwardTimes: number[]; cpuMs: number }> {
  for (let i = 0; i < spec.warmup; i++) {
    await train();
    await forward();
  }
  const times: number[] = [];
  const forwardTimes: number[] = [];
  let cpuMicros = 0;
  for (let i = 0; i < spec.steps; i++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await train();
    times.push(performance.now() - t0);
    const cpu = process.cpuUsage(cpu0);
    cpuMicros += cpu.user + cpu.system;
    const t1 = performance.now();
    await forward();
    forwardTimes.push(performance.now() - t1);
  }
  return { times, forwardTimes, cpuMs: cpuMicros / 1000 / spec.steps };
}

export async function runCase(spec: CaseSpec): Promise<CaseResult> {
  const backend = await initBackend(spec.backend, { log: (line) => process.stderr.write(`${line}\n`) });
  // A line labelled with the backend asked for must have run on it, not on a rung below.
  if (spec.backend !== 'auto' && backend.name !== spec.backend) {
    const why = backend.fallbacks.find((f) => f.name === spec.backend)?.reason ?? 'it did not load';
    throw new Error(`--backend ${spec.backend} is not available here: ${why}`);
  }
  const cfg = modelPreset(spec.preset, { inputSize: spec.inputSize });
  const model = buildModel(cfg);
  const flopsPerImage = countFlops(model);
  const batch = syntheticBatch(cfg, spec.batch);
  let timing: { times: number[]; cpuMs: number };
  let optimizerName: string | undefined;
  let dispose = async () => {};

  let predict = async (x: tf.Tensor4D) => model.predict(x) as tf.Tensor;
  let engine: ReturnType<typeof createParallelGradientFn> | undefined;
  if (spec.workers > 0) {
    engine = createParallelGradientFn(model, cfg, { workers: spec.workers, backend: backend.name });
    await engine.ready;
    const e = engine;
    predict = (x) => e.predict(x);
    dispose = () => e.dispose();
  }
  const forward = async () => {
    const out = await predict(batch.x);
    await out.data();
    out.dispose();
  };
  let forwardTimes: number[] | undefined;

  if (spec.bench === 'infer') {
    timing = await timeSteps(spec, forward);
  } else {
    const gradFn: GradientFn = engine ? engine.gradFn : localGradientFn(model, (a, b) => bceDiceLoss(a, b));
    const optimizer = createOptimizer(model, { method: 'sgd', lr: 0.01, momentum: 0.9, varLambda: spec.varLambda }, createRng(1));
    optimizerName = spec.varLambda > 0 ? `sgd+var(${spec.varLambda})` : 'sgd';
    const alternating = await timeAlternating(spec, () => optimizer.step(gradFn, batch, 0.01).then(() => undefined), forward);
    timing = alternating;
    forwardTimes = alternating.forwardTimes;
    optimizer.dispose();
  }
  await dispose();

  const { times, cpuMs } = timing;
  const med = median(times);
  const passes = spec.bench === 'train' ? 3 : 1; // backward ~ 2x forward
  return {
    bench: spec.bench,
    backend: backendLabel(backend),
    ...(backend.adapter ? { adapter: describeAdapter(backend.adapter) } : {}),
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
    ...(forwardTimes ? { inferMs: round(median(forwardTimes)), trainOverForward: round(med / median(forwardTimes), 2) } : {}),
  };
}
