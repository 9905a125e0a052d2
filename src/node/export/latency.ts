import * as ort from 'onnxruntime-node';
import { createOnnxSession } from './onnx-run';

export interface LatencyOptions {
  /** Timed runs (default 20) after `warmup` untimed ones (default 3). */
  runs?: number;
  warmup?: number;
  /** Intra-op threads (default 1: the studio shares the machine with training). */
  threads?: number;
}

export interface Latency {
  runtime: 'onnxruntime-node';
  device: 'cpu';
  threads: number;
  inputShape: number[];
  runs: number;
  warmup: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
}

/** Wall time of `session.run` on one input of `inputShape`: the median of repeated runs after warm-up. */
export async function measureOnnxLatency(bytes: Uint8Array, inputShape: number[], opts: LatencyOptions = {}): Promise<Latency> {
  const runs = Math.max(1, opts.runs ?? 20);
  const warmup = Math.max(0, opts.warmup ?? 3);
  const threads = opts.threads ?? 1;
  const session = await createOnnxSession(bytes, { threads });
  try {
    const size = inputShape.reduce((a, b) => a * b, 1);
    // Content does not change dense-kernel timing; a fixed pattern keeps runs comparable.
    const data = Float32Array.from({ length: size }, (_, i) => Math.sin(i * 0.37));
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, inputShape) };
    const times: number[] = [];
    for (let i = 0; i < warmup + runs; i++) {
      const t0 = performance.now();
      const out = await session.run(feeds);
      const dt = performance.now() - t0;
      for (const k of Object.keys(out)) out[k].dispose();
      if (i >= warmup) times.push(dt);
    }
    times.sort((a, b) => a - b);
    const mid = times.length >> 1;
    const medianMs = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
    return { runtime: 'onnxruntime-node', device: 'cpu', threads, inputShape: [...inputShape], runs, warmup, medianMs, minMs: times[0], maxMs: times[times.length - 1] };
  } finally {
    await session.release();
  }
}
