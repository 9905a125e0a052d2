/**
 * What the device gets at each sweep level (sweep option `measure`): the level's model written
 * as the export writes it (fp32 ONNX with the export's metadata, `writeModel`: the same bytes as
 * `var-studio export --format onnx` of that level), its file and gzip bytes (`fileSizes`,
 * the size report's rule) and, with `latency`, its onnxruntime-node wall time timed interleaved
 * with the dense model's file (`measureFiles`, hence the export's one timing rule, batch 1,
 * 1 thread). The files go to a private temp folder and are removed again.
 */
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { isStudioError, StudioError } from '../../shared/errors';
import type { SweepConfig } from '../../shared/sweep/config';
import type { LevelMeasured } from '../../shared/sweep/result';
import { writeBaselines } from '../export/baseline';
import { exportMetadata, writeModel } from '../export/artifact';
import { percent } from '../../shared/format/percent';
import { fileSizes, measureFiles } from '../export/size';

export interface LevelMeter {
  /** Writes `model` (the model scored at level `sparsity`) and measures its file. */
  measure(model: tf.LayersModel, sparsity: number): Promise<LevelMeasured>;
  dispose(): Promise<void>;
}

const THREADS = 1;

// Backends without synchronous reads in Node (webgpu) need the weights read once before the writer reads them.
const readAll = (model: tf.LayersModel) => Promise.all(model.weights.map((v) => v.read().data()));

const failed = (what: string, e: unknown) =>
  isStudioError(e)
    ? e
    : new StudioError({
        code: 'internal',
        what: `Measuring the exported file of ${what} failed: ${e instanceof Error ? e.message : String(e)}`,
        hint: "Start the sweep again with measure 'none' (var-studio sweep --measure none) to score without measuring",
      });

/**
 * A meter for the sweep's `measure` option, or undefined for `none`. `dense` must hold the
 * trained (unpruned) weights when called: with `latency` its file is written now, as the baseline.
 */
export async function createLevelMeter(dense: tf.LayersModel, config: SweepConfig, runId: string): Promise<LevelMeter | undefined> {
  if (config.measure === 'none') return undefined;
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'var-studio-sweep-measure-'));
  let baseline: Awaited<ReturnType<typeof writeBaselines>> | undefined;
  try {
    if (config.measure === 'latency') {
      await readAll(dense);
      baseline = await writeBaselines(dense, ['onnx']);
    }
  } catch (e) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw failed('the dense model', e);
  }
  const inputShape = [1, ...dense.inputs[0].shape.slice(1).map((d) => d ?? 1)];
  return {
    async measure(model, sparsity) {
      const dir = path.join(tmp, `level-${sparsity}`);
      try {
        await readAll(model);
        const metadata = exportMetadata(runId, {
          sparsity,
          family: config.family,
          scope: config.scope,
          keepFirstLast: config.keepFirstLast,
        });
        const { files } = await writeModel(model, 'onnx', 'fp32', dir, metadata);
        const size = await fileSizes(files);
        const denseFiles = baseline?.get('onnx')?.files;
        if (!denseFiles) return size;
        const t = await measureFiles('onnx', files, inputShape, { runs: config.latencyRuns, threads: THREADS }, denseFiles);
        const base = t.baseline!;
        return {
          ...size,
          latency: {
            runtime: 'onnxruntime-node',
            threads: t.threads,
            inputShape: t.inputShape,
            runs: t.runs,
            warmup: t.warmup,
            medianMs: t.medianMs,
            q25Ms: t.q25Ms,
            q75Ms: t.q75Ms,
            minMs: t.minMs,
            dense: { medianMs: base.medianMs, q25Ms: base.q25Ms, q75Ms: base.q75Ms },
            speedup: base.medianMs / Math.max(t.medianMs, Number.MIN_VALUE),
          },
        };
      } catch (e) {
        throw failed(`level ${percent(sparsity, { trim: true })}`, e);
      } finally {
        await fsp.rm(dir, { recursive: true, force: true });
      }
    },
    async dispose() {
      await baseline?.dispose();
      await fsp.rm(tmp, { recursive: true, force: true });
    },
  };
}
