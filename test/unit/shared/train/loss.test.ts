import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bceDiceLoss } from '../../../../src/shared/train/loss';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('BCE + soft Dice', () => {
  it('matches a hand computation (mean over pixels for BCE, per-image Dice averaged)', () => {
    const y = [1, 0, 0, 1, 0, 0, 0, 0];
    const p = [0.9, 0.2, 0.4, 0.7, 0.1, 0.3, 0.2, 0.05];
    const bce = -y.reduce((s, t, i) => s + t * Math.log(p[i]) + (1 - t) * Math.log(1 - p[i]), 0) / 8;
    const dice = (a: number[], b: number[]) =>
      (2 * a.reduce((s, t, i) => s + t * b[i], 0) + 1) / (a.reduce((s, t) => s + t, 0) + b.reduce((s, t) => s + t, 0) + 1);
    const want = bce + 1 - (dice(y.slice(0, 4), p.slice(0, 4)) + dice(y.slice(4), p.slice(4))) / 2;
    const got = tf.tidy(() => bceDiceLoss(tf.tensor4d(y, [2, 2, 2, 1]), tf.tensor4d(p, [2, 2, 2, 1])).dataSync()[0]);
    expect(got).toBeCloseTo(want, 5);
  });

  it('stays finite with saturated predictions, and its gradient too', () => {
    const y = tf.tensor4d([1, 0, 1, 0], [1, 2, 2, 1]);
    const p = tf.tensor4d([0, 1, 1, 0], [1, 2, 2, 1]);
    const v = bceDiceLoss(y, p).dataSync()[0];
    expect(Number.isFinite(v)).toBe(true);
    const g = tf.grad((q: tf.Tensor) => bceDiceLoss(y, q))(p);
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([y, p, g]);
  });
});
