import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import type { Runtime } from '../../shared/export/schemas';
import { createOnnxSession } from './onnx-run';
import { compileTflite, LITERT_RUNTIME, runTflite } from './litert';

export interface LatencyOptions {
  /** Timed runs (default 20) after `warmup` untimed ones (default 3). */
  runs?: number;
  warmup?: number;
  /** Intra-op threads for onnxruntime and LiteRT (default 1: the studio shares the machine with training). */
  threads?: number;
}

/** Latency of one artifact in its own runtime (batch 1 unless inputShape says otherwise). */
export interface Latency {
  runtime: Runtime;
  device: 'cpu' | 'gpu';
  /** tfjs: the backend the model ran on (cpu, wasm, webgpu). */
  backend?: string;
  threads: number;
  inputShape: number[];
  runs: number;
  warmup: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Quartiles of the timed runs: the spread a verdict must beat. */
  q25Ms: number;
  q75Ms: number;
  /** Peak memory as the runtime itself reports it; null when it does not (onnxruntime-node). */
  peakBytes: number | null;
  /** What peakBytes counts, or why there is none. */
  memory: string;
}

const ORT_MEMORY = 'not reported: onnxruntime-node has no memory statistics API';
const LITERT_MEMORY = 'not reported: LiteRT.js has no memory statistics API';
const TFJS_MEMORY = 'tfjs tensor memory: the weights as loaded plus the peak of intermediate tensors during one prediction (tf.profile)';

// Content does not change dense-kernel timing; a fixed pattern keeps runs comparable.
const pattern = (size: number) => Float32Array.from({ length: size }, (_, i) => Math.sin(i * 0.37));

function quantile(sorted: number[], q: number): number {
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (i - lo);
}

function summary(times: number[]): { medianMs: number; minMs: number; maxMs: number; q25Ms: number; q75Ms: number } {
  const t = [...times].sort((a, b) => a - b);
  return { medianMs: quantile(t, 0.5), minMs: t[0], maxMs: t[t.length - 1], q25Ms: quantile(t, 0.25), q75Ms: quantile(t, 0.75) };
}

/** The baseline's timing, when one was timed alongside. */
export interface BaselineTiming {
  medianMs: number;
  q25Ms: number;
  q75Ms: number;
}

/**
 * Times each runner `runs` times after `warmup` untimed rounds, interleaved (A B A B ...) so that
 * load from other processes falls on all of them alike; returns each runner's times.
 */
async function interleaved(runners: (() => Promise<void>)[], runs: number, warmup: number): Promise<number[][]> {
  const times = runners.map(() => [] as number[]);
  for (let i = 0; i < warmup + runs; i++) {
    // Alternate the order each round too (A B, B A, ...): whoever runs second is not always favoured.
    for (let k = 0; k < runners.length; k++) {
      const r = i % 2 ? runners.length - 1 - k : k;
      const t0 = performance.now();
      await runners[r]();
      if (i >= warmup) times[r].push(performance.now() - t0);
    }
  }
  return times;
}

/**
 * The timing every measure shares: `opts`' runs and warm-up (defaults 20 and 3), the runners
 * timed interleaved, the first runner's summary and, when there are two, the baseline's.
 */
async function timeRunners(
  runners: (() => Promise<void>)[],
  opts: LatencyOptions,
): Promise<{ runs: number; warmup: number } & ReturnType<typeof summary> & { baseline?: BaselineTiming }> {
  const runs = Math.max(1, opts.runs ?? 20);
  const warmup = Math.max(0, opts.warmup ?? 3);
  const [times, base] = await interleaved(runners, runs, warmup);
  return { runs, warmup, ...summary(times), ...(base ? { baseline: summary(base) } : {}) };
}

/**
 * Wall time of `session.run` on one input of `inputShape`: the median of repeated runs after
 * warm-up. With `baseline` (another model's bytes) both are timed interleaved, and the
 * baseline's median comes back too.
 */
export async function measureOnnxLatency(
  bytes: Uint8Array,
  inputShape: number[],
  opts: LatencyOptions = {},
  baseline?: Uint8Array,
): Promise<Latency & { baseline?: BaselineTiming }> {
  const threads = opts.threads ?? 1;
  const sessions = [await createOnnxSession(bytes, { threads })];
  try {
    if (baseline) sessions.push(await createOnnxSession(baseline, { threads }));
    const data = pattern(inputShape.reduce((a, b) => a * b, 1));
    const runners = sessions.map((session) => async () => {
      const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', data, inputShape) });
      for (const k of Object.keys(out)) out[k].dispose();
    });
    const timing = await timeRunners(runners, opts);
    return {
      runtime: 'onnxruntime-node',
      device: 'cpu',
      threads,
      inputShape: [...inputShape],
      ...timing,
      peakBytes: null,
      memory: ORT_MEMORY,
    };
  } finally {
    for (const s of sessions) await s.release();
  }
}

/**
 * Wall time of LiteRT.js `run` on one input of the file's fixed shape (batch 1) plus copying the
 * output out, on its CPU (XNNPACK) accelerator. With `baseline` (another .tflite file's bytes)
 * both are timed interleaved.
 */
export async function measureTfliteLatency(
  bytes: Uint8Array,
  inputShape: number[],
  opts: LatencyOptions = {},
  baseline?: Uint8Array,
): Promise<Latency & { baseline?: BaselineTiming }> {
  const threads = opts.threads ?? 1;
  const models = [await compileTflite(bytes, { threads })];
  try {
    if (baseline) models.push(await compileTflite(baseline, { threads }));
    const data = pattern(inputShape.reduce((a, b) => a * b, 1));
    const runners = models.map((m) => async () => void (await runTflite(m, data, inputShape)));
    const timing = await timeRunners(runners, opts);
    return {
      runtime: LITERT_RUNTIME,
      device: 'cpu',
      backend: 'wasm (XNNPACK)',
      threads,
      inputShape: [...inputShape],
      ...timing,
      peakBytes: null,
      memory: LITERT_MEMORY,
    };
  } finally {
    for (const m of models) m.delete();
  }
}

/**
 * Wall time of `model.predict` plus reading the result back (tfjs runs asynchronously), on the
 * current tfjs backend, and the tensor memory tfjs reports for one prediction.
 */
export async function measureTfjsLatency(
  model: tf.LayersModel,
  inputShape: number[],
  opts: LatencyOptions = {},
  baseline?: tf.LayersModel,
): Promise<Latency & { baseline?: BaselineTiming }> {
  const x = tf.tensor(pattern(inputShape.reduce((a, b) => a * b, 1)), inputShape);
  try {
    const runners = [model, ...(baseline ? [baseline] : [])].map((m) => async () => {
      const y = m.predict(x) as tf.Tensor;
      await y.data();
      y.dispose();
    });
    const timing = await timeRunners(runners, opts);
    const before = tf.memory().numBytes;
    const info = await tf.profile(async () => {
      const y = model.predict(x) as tf.Tensor;
      await y.data();
      y.dispose();
    });
    const weightBytes = model.weights.reduce((n, w) => n + 4 * w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
    const peakBytes = weightBytes + Math.max(0, info.peakBytes - before);
    const backend = tf.getBackend();
    return {
      runtime: 'tfjs',
      device: backend === 'webgpu' || backend === 'webgl' ? 'gpu' : 'cpu',
      backend,
      threads: 1,
      inputShape: [...inputShape],
      ...timing,
      peakBytes,
      memory: TFJS_MEMORY,
    };
  } finally {
    x.dispose();
  }
}
