import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../shared/errors';
import type { HessianRecord, RunRecord } from '../../shared/run/record';
import { defaultLoss } from '../../shared/train/loss';
import { initBackend } from '../compute/backend';
import { RunStore } from '../runs/store';
import { loadRunModel } from './runModel';
import { loadRunSamples } from './data';
import { sampleArrays, toBatch } from './batches';
import { topHessianEigenvalue, type PowerIterationOptions } from './hessian';

export interface FlatnessOptions extends PowerIterationOptions {
  /** Samples in the fixed batch: the first N training samples of the run's split. Default 8. */
  batchSize?: number;
}

/**
 * Flatness diagnostic of a trained run: the top eigenvalue of the Hessian of the data loss
 * (BCE + soft Dice, without VAR) on a fixed batch, by power iteration with finite-difference
 * Hessian-vector products. BatchNorm runs in INFERENCE mode (moving statistics): the loss is
 * then a fixed function of the weights and the evaluation leaves the model untouched. Uses the
 * final weights, or the last checkpoint of an unfinished run. Stored in run.json.
 */
export async function computeHessianTopEigenvalue(runDir: string, opts: FlatnessOptions = {}): Promise<RunRecord> {
  const abs = path.resolve(runDir);
  const store = new RunStore(path.dirname(abs));
  const id = path.basename(abs);
  const probe = await store.open(id);
  if (probe.status === 'running') {
    throw new StudioError({ code: 'bad-input', what: `Run ${id} is still training`, hint: 'Wait until it completes or cancel it first' });
  }
  const t0 = performance.now();
  await initBackend(probe.config.backend);
  const { model, record, weights } = await loadRunModel(abs);
  try {
    const { train } = await loadRunSamples(record.config);
    const n = Math.min(opts.batchSize ?? 8, train.length);
    const { x, y } = toBatch(
      sampleArrays(
        train,
        Array.from({ length: n }, (_, i) => i),
      ),
      record.config.model.inputSize,
      record.config.model.inChannels,
    );
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const gradAt = async () => {
      const { value, grads } = tf.variableGrads(() => defaultLoss(y, model.apply(x, { training: false }) as tf.Tensor), vars);
      value.dispose();
      return vars.map((v) => grads[v.name] ?? tf.zerosLike(v));
    };
    let result;
    try {
      result = await topHessianEigenvalue(vars, gradAt, opts);
    } finally {
      x.dispose();
      y.dispose();
    }
    const hessian: HessianRecord = {
      topEigenvalue: result.eigenvalue,
      dominantEigenvalue: result.dominant,
      history: result.history,
      iterations: result.iterations,
      h: result.h,
      batchSize: n,
      weights,
      batchNorm: 'inference',
      seconds: (performance.now() - t0) / 1000,
      computedAt: new Date().toISOString(),
    };
    return await store.update(id, (r) => {
      r.hessian = hessian;
      r.hessianTopEigenvalue = hessian.topEigenvalue;
    });
  } finally {
    model.dispose();
  }
}
