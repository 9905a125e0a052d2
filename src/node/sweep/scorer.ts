/**
 * Scorers turn a batch of model inputs into lesion probabilities for one pruned copy.
 * onnx: the copy is exported and run in onnxruntime-node, so every scored level is also a
 * working exported file; tfjs: the copy predicts directly (the reference for parity).
 */
import * as tf from '@tensorflow/tfjs';
import type * as ort from 'onnxruntime-node';
import { exportOnnx } from '../export/onnx';
import { createOnnxSession, runOnnx } from '../export/onnx-run';

export interface Scorer {
  /** `images`: n x H x W x C interleaved; returns n x H x W probabilities. */
  predict(images: Float32Array, shape: [number, number, number, number]): Promise<Float32Array>;
  /** Bytes of the exported ONNX model (onnx scorer). */
  onnxBytes?: number;
  dispose(): Promise<void>;
}

export function tfjsScorer(model: tf.LayersModel): Scorer {
  return {
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

export async function onnxScorer(model: tf.LayersModel, threads: number): Promise<Scorer> {
  const bytes = exportOnnx(model);
  const session: ort.InferenceSession = await createOnnxSession(bytes, { threads });
  return {
    onnxBytes: bytes.length,
    async predict(images, shape) {
      return (await runOnnx(session, images, shape)).data;
    },
    async dispose() {
      await session.release();
    },
  };
}
