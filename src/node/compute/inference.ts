/**
 * THE choice of inference engine (validation each epoch, prediction, sweep scoring): a Scorer
 * turns a batch of model inputs into lesion probabilities at the model's weights when it was
 * made.
 *
 * onnx: the model is exported (src/node/export/onnx) and run in onnxruntime-node: the exported
 *   graph, faster than tfjs-wasm for the same batch and a check that the export works.
 * tfjs: model.predict on the active tfjs backend (the reference for parity).
 *
 * `auto` (default; VAR_STUDIO_INFERENCE=onnx|tfjs|auto overrides) takes onnx when
 * onnxruntime-node loads, the model exports, and this code runs on a process's main thread.
 * Worker threads get tfjs: terminating a thread with a live onnxruntime session took the whole
 * process down about one time in three (see src/node/sweep/host.ts), and the studio's training
 * threads can be terminated. Every fallback says why (`reason`).
 */
import { isMainThread } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../shared/errors';

export type InferenceEngine = 'onnx' | 'tfjs';
export type InferencePreference = 'auto' | InferenceEngine;
export const INFERENCE_ENV = 'VAR_STUDIO_INFERENCE';

export interface Scorer {
  engine: InferenceEngine;
  /** Why auto did not take onnx (absent when it did, or when the engine was asked for). */
  reason?: string;
  /** `images`: n x H x W x C interleaved; returns n x H x W probabilities. */
  predict(images: Float32Array, shape: [number, number, number, number]): Promise<Float32Array>;
  /** Bytes of the exported ONNX model (onnx). */
  onnxBytes?: number;
  dispose(): Promise<void>;
}

export interface ScorerOptions {
  /** Default: VAR_STUDIO_INFERENCE, else auto. */
  prefer?: InferencePreference;
  /** onnxruntime intra-op threads (default 1: the machine is shared, no spin-waiting pool). */
  threads?: number;
}

export function resolveInferencePreference(prefer?: string): InferencePreference {
  const raw = (prefer ?? process.env[INFERENCE_ENV] ?? 'auto').trim().toLowerCase();
  if (raw === '' || raw === 'auto') return 'auto';
  if (raw === 'onnx' || raw === 'tfjs') return raw;
  throw new StudioError({
    code: 'bad-input',
    what: `Unknown inference engine "${raw}"`,
    hint: `Use auto, onnx or tfjs (${INFERENCE_ENV}).`,
  });
}

export function tfjsScorer(model: tf.LayersModel, reason?: string): Scorer {
  return {
    engine: 'tfjs',
    ...(reason ? { reason } : {}),
    async predict(images, shape) {
      const out = tf.tidy(() => model.predict(tf.tensor4d(images, shape)) as tf.Tensor);
      try {
        return (await out.data()) as Float32Array;
      } finally {
        out.dispose();
      }
    },
    async dispose() {},
  };
}

/** onnxruntime-node scorer; throws (StudioError) when the runtime or the export fails. */
export async function onnxScorer(model: tf.LayersModel, threads = 1): Promise<Scorer> {
  // Loaded lazily: a missing native binding must leave the tfjs path working.
  const [{ exportOnnx }, { createOnnxSession, runOnnx }] = await Promise.all([import('../export/onnx'), import('../export/onnx-run')]);
  // Read the weights asynchronously first: backends without synchronous reads in Node (webgpu)
  // would otherwise fail inside the export, and the scorer would fall back for the wrong reason.
  await Promise.all(model.weights.map((v) => v.read().data()));
  const bytes = exportOnnx(model);
  const session = await createOnnxSession(bytes, { threads });
  return {
    engine: 'onnx',
    onnxBytes: bytes.length,
    async predict(images, shape) {
      return (await runOnnx(session, images, shape)).data;
    },
    async dispose() {
      await session.release();
    },
  };
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

/** A scorer at the model's current weights, by the rule above. Dispose it when done. */
export async function createScorer(model: tf.LayersModel, opts: ScorerOptions = {}): Promise<Scorer> {
  const prefer = resolveInferencePreference(opts.prefer);
  if (prefer === 'tfjs') return tfjsScorer(model);
  if (prefer === 'auto' && !isMainThread) return tfjsScorer(model, 'worker thread: onnxruntime sessions are kept to process main threads');
  try {
    return await onnxScorer(model, opts.threads ?? 1);
  } catch (e) {
    if (prefer === 'onnx') throw e;
    return tfjsScorer(model, `onnxruntime unavailable: ${message(e)}`);
  }
}
