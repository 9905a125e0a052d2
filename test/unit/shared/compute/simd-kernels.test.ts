/**
 * Our compiled SIMD kernels (kernels/, src/shared/compute/simd-kernels.ts): the generated module
 * is what the sources compile to, and the filter-gradient kernel keeps no state between calls
 * (its memory is reused and grows: a call must not see the previous call's operands or sums).
 */
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels } from '../../../../src/shared/compute';
import { getFilterGradKernel } from '../../../../src/shared/compute/simd-kernels';
import { StudioError } from '../../../../src/shared/errors';
import { lcgValues } from '../../helpers/numeric';

function filterGrad(xShape: [number, number, number, number], k: number, co: number, stride: number, seed: number): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor(lcgValues(tf.util.sizeFromShape(xShape), seed), xShape) as tf.Tensor4D;
    const filterShape: [number, number, number, number] = [k, k, xShape[3], co];
    const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, stride, 1, 'same');
    const dy = tf.tensor(lcgValues(tf.util.sizeFromShape(info.outShape), seed + 1), info.outShape);
    const out = tf
      .engine()
      .runKernel(
        'Conv2DBackpropFilter',
        { x, dy },
        { strides: [stride, stride], pad: 'same', dataFormat: 'NHWC', filterShape },
      ) as tf.Tensor;
    return out.dataSync() as Float32Array;
  });
}

describe('SIMD kernels', () => {
  beforeAll(async () => {
    registerWasmTrainingKernels();
    await tf.setBackend('wasm');
  });

  it('the generated module is what kernels/ compiles to', () => {
    const run = spawnSync(process.execPath, ['scripts/build-kernels.mjs', '--check'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('the filter gradient is the same, bit for bit, before and after larger and differently padded calls', () => {
    // 3 input channels (padded to 4 in the kernel's memory) after a call that filled those lanes.
    const small = () => filterGrad([2, 9, 7, 3], 3, 5, 1, 11);
    const first = small();
    filterGrad([3, 40, 36, 16], 3, 24, 2, 21); // grows the memory, writes every lane
    filterGrad([1, 12, 12, 4], 1, 8, 1, 31);
    const again = small();
    expect(Buffer.from(again.buffer).equals(Buffer.from(first.buffer))).toBe(true);
    expect(first.some((v) => v !== 0)).toBe(true);
  });

  it('a convolution too large for WebAssembly memory is refused with what to do, not a RangeError', () => {
    const kernel = getFilterGradKernel();
    const err = (() => {
      try {
        kernel.reserve(5 * 2 ** 30); // past wasm32's 4 GiB
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(StudioError);
    expect((err as StudioError).code).toBe('too-large');
    expect((err as StudioError).hint).toMatch(/smaller batch/);
    expect(kernel.reserve(1024).byteLength).toBeGreaterThan(0); // still usable
  });
});
