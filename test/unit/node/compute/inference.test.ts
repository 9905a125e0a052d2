/**
 * The one inference module: onnxruntime-node and tfjs give the same probabilities (parity),
 * validation Dice is the same through either engine, and the engine choice follows its rule.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../src/node/compute/backend';
import { createScorer, resolveInferencePreference } from '../../../../src/node/compute/inference';
import { validationScore } from '../../../../src/node/train/validate';
import type { Sample } from '../../../../src/shared/data/types';
import { buildModel, modelPreset } from '../../../../src/shared/model';
import { lcgValues } from '../../helpers/numeric';

const cfg = modelPreset('reference', { inputSize: 16, widthMultiplier: 0.25 });

describe('inference engine (onnxruntime-node with tfjs fallback)', () => {
  let model: tf.LayersModel;
  beforeAll(async () => {
    await initBackend('cpu', { log: () => {} });
    model = buildModel(cfg);
    // Off the initial values, BN statistics included, and the head near p = 0.5 so the
    // thresholded masks are not trivially empty.
    tf.tidy(() => {
      model.weights.forEach((w, i) => {
        const shape = w.shape as number[];
        const noise = tf.mul(tf.tensor(lcgValues(tf.util.sizeFromShape(shape), 10 + i), shape), w.name.includes('variance') ? 0.1 : 0.05);
        w.write(w.name.includes('variance') ? tf.add(w.read(), tf.abs(noise)) : tf.add(w.read(), noise));
      });
      const [kernel, bias] = model.getLayer('head').weights;
      kernel.write(tf.mul(kernel.read(), 30));
      bias.write(tf.zerosLike(bias.read()));
    });
    // Centre the head on the median logit of the test images: about half the pixels foreground.
    const p = (model.predict(tf.tensor4d(lcgValues(3 * 16 * 16 * 3, 5), [3, 16, 16, 3])) as tf.Tensor).dataSync();
    const logits = Array.from(p, (q) => Math.log(q / (1 - q))).sort((x, y) => x - y);
    const bias = model.getLayer('head').weights[1];
    bias.write(tf.fill(bias.shape as number[], -logits[logits.length >> 1]));
  });

  it('onnx and tfjs predict the same probabilities (parity)', async () => {
    const onnx = await createScorer(model, { prefer: 'onnx' });
    const ref = await createScorer(model, { prefer: 'tfjs' });
    expect([onnx.engine, ref.engine]).toEqual(['onnx', 'tfjs']);
    const images = lcgValues(3 * 16 * 16 * 3, 5);
    const a = await onnx.predict(images, [3, 16, 16, 3]);
    const b = await ref.predict(images, [3, 16, 16, 3]);
    await onnx.dispose();
    expect(a.length).toBe(3 * 16 * 16);
    let worst = 0;
    for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    expect(worst).toBeLessThan(1e-5);
    // Not a degenerate model: both classes occur.
    const fg = Array.from(b).filter((p) => p > 0.5).length;
    expect(fg).toBeGreaterThan(0);
    expect(fg).toBeLessThan(b.length);
  });

  it('validation Dice is the same through either engine, and auto takes onnx on a main thread', async () => {
    const val: Sample[] = Array.from({ length: 5 }, (_, i) => ({
      caseId: `case${i % 2}`,
      index: i,
      image: lcgValues(16 * 16 * 3, 20 + i),
      mask: Uint8Array.from(lcgValues(16 * 16, 40 + i), (v) => (v > 0.3 ? 1 : 0)),
    })) as unknown as Sample[];
    const a = await validationScore(model, val, 2, 16, 3, 'onnx');
    const b = await validationScore(model, val, 2, 16, 3, 'tfjs');
    const auto = await validationScore(model, val, 2, 16, 3, 'auto');
    expect(a.engine).toBe('onnx');
    expect(b.engine).toBe('tfjs');
    expect(auto.engine).toBe('onnx');
    expect(a.caseDice).toBeGreaterThan(0);
    expect(a.caseDice).toBeLessThan(1);
    expect(a.caseDice).toBe(b.caseDice);
  });

  it('reads the preference from VAR_STUDIO_INFERENCE and refuses unknown engines', () => {
    const old = process.env.VAR_STUDIO_INFERENCE;
    try {
      process.env.VAR_STUDIO_INFERENCE = 'tfjs';
      expect(resolveInferencePreference()).toBe('tfjs');
      expect(resolveInferencePreference('onnx')).toBe('onnx');
      expect(() => resolveInferencePreference('tensorrt')).toThrow(/Unknown inference engine/);
    } finally {
      if (old === undefined) delete process.env.VAR_STUDIO_INFERENCE;
      else process.env.VAR_STUDIO_INFERENCE = old;
    }
  });
});
