import * as ort from 'onnxruntime-node';
import { StudioError } from '../../shared/errors';

export interface OnnxSessionOptions {
  /** Threads per op; the machine is shared, so default 1 (predictable latency, no oversubscription). */
  threads?: number;
}

/** An onnxruntime-node CPU session for exported bytes. Call `release()` when done. */
export async function createOnnxSession(bytes: Uint8Array, opts: OnnxSessionOptions = {}): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      intraOpNumThreads: opts.threads ?? 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
  } catch (e) {
    throw new StudioError({
      code: 'backend',
      what: `onnxruntime could not load the exported model (${e instanceof Error ? e.message : String(e)})`,
      hint: 'Re-export the model; if it persists, report the model config',
    });
  }
}

/** Runs the first input/output of `session` on one NHWC float32 batch. */
export async function runOnnx(
  session: ort.InferenceSession,
  input: Float32Array,
  shape: number[],
): Promise<{ data: Float32Array; dims: number[] }> {
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', input, shape) };
  const out = await session.run(feeds);
  const t = out[session.outputNames[0]];
  for (const k of Object.keys(out)) if (out[k] !== t) out[k].dispose();
  const data = Float32Array.from(t.data as Float32Array);
  const dims = [...t.dims];
  t.dispose();
  return { data, dims };
}
