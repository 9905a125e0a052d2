import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../shared/errors';
import { writeFileSet } from './files';
import type { WeightStorage } from './onnx-builder';
import { quantizeUint8Affine, toFloat16 } from './quantize';
import { isPrunableShape } from '../../shared/model/weights';

export interface TfjsExportOptions {
  /**
   * Storage of the rank>1 kernels, as the tfjs weights manifest defines it:
   * fp16 -> `quantization: {dtype: 'float16'}`; int8-weights -> 8-bit affine per tensor,
   * `quantization: {dtype: 'uint8', scale, min}` (value = q * scale + min). Other weights stay float32.
   */
  weights?: WeightStorage;
  /** Maximum bytes per weight shard (tfjs-converter's default is 4 MiB). */
  shardBytes?: number;
  overwrite?: boolean;
  metadata?: Record<string, object | string | number | boolean>;
}

export interface TfjsExport {
  dir: string;
  /** Absolute paths: the shards, then model.json. */
  files: string[];
  modelJson: string;
  /** Bytes of all weight shards. */
  weightBytes: number;
  /** Bytes of the kernels as stored, and their element count. */
  kernelBytes: number;
  kernelElements: number;
}

const MODEL_JSON = 'model.json';
const MAX_MODEL_JSON = 64 * 1024 * 1024;

/** Captures what `model.save` produces instead of writing it anywhere. */
async function artifactsOf(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save({
    save: async (a: tf.io.ModelArtifacts) => {
      captured = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
  });
  return captured as tf.io.ModelArtifacts;
}

/** Writes `model.json` + `group1-shardXofY.bin` into `dir` (loadable with tf.loadLayersModel). */
export async function exportTfjs(model: tf.LayersModel, dir: string, opts: TfjsExportOptions = {}): Promise<TfjsExport> {
  const storage = opts.weights ?? 'fp32';
  const shardBytes = opts.shardBytes ?? 4 * 1024 * 1024;
  const a = await artifactsOf(model);
  const src = tf.io.CompositeArrayBuffer.join(a.weightData ?? new ArrayBuffer(0));
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  let kernelBytes = 0;
  let kernelElements = 0;
  for (const spec of a.weightSpecs ?? []) {
    const size = spec.shape.reduce((p, q) => p * q, 1);
    if (spec.dtype !== 'float32') {
      throw new StudioError({
        code: 'unsupported',
        what: `Weight ${spec.name} has dtype ${spec.dtype}`,
        hint: 'Only float32 models can be exported',
      });
    }
    const values = new Float32Array(src.slice(offset, offset + size * 4));
    offset += size * 4;
    const out: tf.io.WeightsManifestEntry = { name: spec.name, shape: spec.shape, dtype: 'float32' };
    let bytes: Uint8Array = new Uint8Array(values.buffer);
    // Kernels (the prunable weights) are stored at the chosen precision; biases and BN stay float32.
    if (isPrunableShape(spec.shape)) {
      if (storage === 'fp16') {
        bytes = new Uint8Array(toFloat16(values).buffer);
        out.quantization = { dtype: 'float16' };
      } else if (storage === 'int8-weights') {
        const q = quantizeUint8Affine(values);
        bytes = q.q;
        out.quantization = { dtype: 'uint8', scale: q.scale, min: q.min };
      }
      kernelBytes += bytes.length;
      kernelElements += size;
    }
    specs.push(out);
    parts.push(bytes);
  }
  const weightData = concat(parts);
  const shards: Uint8Array[] = [];
  for (let i = 0; i < weightData.length || shards.length === 0; i += shardBytes) shards.push(weightData.subarray(i, i + shardBytes));
  const shardNames = shards.map((_, i) => `group1-shard${i + 1}of${shards.length}.bin`);
  const json: tf.io.ModelJSON = {
    format: a.format ?? 'layers-model',
    generatedBy: a.generatedBy,
    convertedBy: 'var-studio',
    modelTopology: a.modelTopology as object,
    weightsManifest: [{ paths: shardNames, weights: specs }],
    ...(opts.metadata ? { userDefinedMetadata: opts.metadata as Record<string, object> } : {}),
  };
  const files = await writeFileSet(
    dir,
    [...shards.map((data, i) => ({ name: shardNames[i], data })), { name: MODEL_JSON, data: JSON.stringify(json) }],
    { overwrite: opts.overwrite },
  );
  return { dir, files, modelJson: path.join(dir, MODEL_JSON), weightBytes: weightData.length, kernelBytes, kernelElements };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * An IOHandler that loads a layers-model directory from disk (`tf.loadLayersModel(tfjsDir(dir))`);
 * tfjs decodes the manifest's quantization itself. Shard paths are untrusted: plain names only.
 */
export function tfjsDir(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const jsonPath = path.join(dir, MODEL_JSON);
      const bad = (what: string, file = jsonPath) => new StudioError({ code: 'bad-file', file, what, hint: 'Export the model again' });
      const st = await fsp.stat(jsonPath).catch(() => null);
      if (!st)
        throw new StudioError({
          code: 'not-found',
          file: jsonPath,
          what: 'No model.json in the folder',
          hint: 'Pick the folder of a tfjs export',
        });
      if (st.size > MAX_MODEL_JSON) throw bad('model.json is too large');
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(await fsp.readFile(jsonPath, 'utf8')) as tf.io.ModelJSON;
      } catch {
        throw bad('model.json is not valid JSON');
      }
      if (!json || typeof json !== 'object' || !Array.isArray(json.weightsManifest)) throw bad('model.json has no weightsManifest');
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          for (const p of group.paths) {
            if (typeof p !== 'string' || p !== path.basename(p) || p.startsWith('.'))
              throw bad(`shard path "${String(p)}" is not a plain file name`);
            const buf = await fsp.readFile(path.join(dir, p)).catch(() => {
              throw bad('a weight shard is missing', path.join(dir, p));
            });
            buffers.push(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
          }
          specs.push(...group.weights);
        }
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}
