/**
 * Profile of one training step in ONE thread (what each gradient worker runs on its shard):
 * time per kernel, split into the forward pass (model + loss, BatchNorm in training mode) and
 * the backward pass, next to one inference pass of the same rows; plus the engine's live bytes
 * (tf.memory) and the process RSS. `npm run bench -- profile [--batch 4] [--steps 3]` prints one
 * JSON line. Kernel times come from tf.profile, but measured as CPU time of this process (the
 * backend's timer is replaced): on a machine shared with other jobs, wall time mostly measures
 * the neighbours. The wasm and cpu backends run each kernel synchronously on this thread.
 */
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendPreference } from '../src/node/compute/backend';
import { buildModel, modelPreset, type PresetName } from '../src/shared/model';
import { bceDiceLoss } from '../src/shared/train';

export interface ProfileSpec {
  bench: 'profile';
  preset: PresetName;
  inputSize: number;
  /** Rows of the profiled step (a 2-worker batch of 8 gives each worker 4). */
  batch: number;
  steps: number;
  backend: BackendPreference;
}

interface KernelRow {
  name: string;
  ms: number;
  calls: number;
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

function byKernel(kernels: { name: string; kernelTimeMs: unknown }[]): KernelRow[] {
  const rows = new Map<string, KernelRow>();
  for (const k of kernels) {
    // tfjs also records the op wrapping a kernel (e.g. "fusedConv2d__op" around FusedConv2D): count the kernel only.
    if (k.name.endsWith('__op')) continue;
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const row = rows.get(k.name) ?? { name: k.name, ms: 0, calls: 0 };
    row.ms += ms;
    row.calls++;
    rows.set(k.name, row);
  }
  return [...rows.values()].sort((a, b) => b.ms - a.ms);
}

const total = (rows: KernelRow[]) => rows.reduce((s, r) => s + r.ms, 0);

export async function runProfile(spec: ProfileSpec) {
  const backend = await initBackend(spec.backend, { log: (line) => process.stderr.write(`${line}\n`) });
  const timed = tf.backend() as unknown as { time(f: () => void): Promise<{ kernelMs: number }> };
  timed.time = async (f) => {
    const t0 = process.cpuUsage();
    f();
    const d = process.cpuUsage(t0);
    return { kernelMs: (d.user + d.system) / 1000 };
  };
  const cfg = modelPreset(spec.preset, { inputSize: spec.inputSize });
  const model = buildModel(cfg);
  const { x, y } = tf.tidy(() => ({
    x: tf.randomUniform([spec.batch, cfg.inputSize, cfg.inputSize, cfg.inChannels], 0, 1, 'float32', 1) as tf.Tensor4D,
    y: tf.cast(
      tf.greater(tf.randomUniform([spec.batch, cfg.inputSize, cfg.inputSize, 1], 0, 1, 'float32', 2), 0.8),
      'float32',
    ) as tf.Tensor4D,
  }));
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const loss = () => bceDiceLoss(y, model.apply(x, { training: true }) as tf.Tensor);
  const step = () => {
    const { value, grads } = tf.variableGrads(loss, vars);
    return [value, ...Object.values(grads)];
  };
  const forwardOnly = () => loss();
  const infer = () => model.predict(x) as tf.Tensor;

  // Warm-up: operator creation, heap growth.
  tf.dispose(step());
  tf.dispose(infer());

  const stepRows: KernelRow[][] = [];
  const fwdRows: KernelRow[][] = [];
  const inferRows: KernelRow[][] = [];
  let peakBytes = 0;
  let forwardPeakBytes = 0;
  const cpuMs = (t0: NodeJS.CpuUsage) => {
    const d = process.cpuUsage(t0);
    return (d.user + d.system) / 1000;
  };
  const cpu: { step: number[]; infer: number[] } = { step: [], infer: [] };
  for (let i = 0; i < spec.steps; i++) {
    let t0 = process.cpuUsage();
    const s = await tf.profile(() => step() as unknown as tf.TensorContainer);
    cpu.step.push(cpuMs(t0));
    tf.dispose(s.result);
    stepRows.push(byKernel(s.kernels));
    peakBytes = Math.max(peakBytes, s.peakBytes);

    const before = tf.memory().numBytes;
    const f = await tf.profile(() => forwardOnly());
    tf.dispose(f.result);
    fwdRows.push(byKernel(f.kernels));
    forwardPeakBytes = Math.max(forwardPeakBytes, f.peakBytes - before);

    t0 = process.cpuUsage();
    const p = await tf.profile(() => infer());
    cpu.infer.push(cpuMs(t0));
    tf.dispose(p.result);
    inferRows.push(byKernel(p.kernels));
  }

  // Median run by total kernel time for each phase.
  const pick = (runs: KernelRow[][]) => [...runs].sort((a, b) => total(a) - total(b))[runs.length >> 1];
  const stepK = pick(stepRows);
  const fwdK = pick(fwdRows);
  const inferK = pick(inferRows);
  const fwdByName = new Map(fwdK.map((r) => [r.name, r]));
  const stepMs = total(stepK);
  const fwdMs = total(fwdK);
  const inferMs = total(inferK);
  const mb = (b: number) => round(b / 2 ** 20, 0);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  x.dispose();
  y.dispose();
  return {
    bench: 'profile',
    backend: backend.name,
    model: cfg.preset ?? cfg.encoder,
    inputShape: [cfg.inputSize, cfg.inputSize, cfg.inChannels],
    batch: spec.batch,
    threads: 1,
    stepKernelMs: round(stepMs),
    forwardKernelMs: round(fwdMs),
    backwardKernelMs: round(stepMs - fwdMs),
    inferKernelMs: round(inferMs),
    stepCpuMs: round(median(cpu.step)),
    inferCpuMs: round(median(cpu.infer)),
    trainOverForward: round(stepMs / inferMs, 2),
    kernelCalls: { step: stepK.reduce((s, r) => s + r.calls, 0), infer: inferK.reduce((s, r) => s + r.calls, 0) },
    peakTensorMB: mb(peakBytes),
    forwardPeakMB: mb(forwardPeakBytes),
    peakRssMB: round(process.resourceUsage().maxRSS / 1024, 0),
    load1: round(loadavg()[0], 2),
    // Backward time of a kernel = its time in the step minus its time in the forward pass.
    kernels: stepK.slice(0, 25).map((r) => {
      const f = fwdByName.get(r.name);
      return {
        name: r.name,
        ms: round(r.ms),
        share: round(r.ms / stepMs, 3),
        calls: r.calls,
        forwardMs: round(f?.ms ?? 0),
        forwardCalls: f?.calls ?? 0,
      };
    }),
    inferKernels: inferK.slice(0, 8).map((r) => ({ name: r.name, ms: round(r.ms), calls: r.calls })),
  };
}
