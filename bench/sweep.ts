/**
 * Sweep benchmark: 8 levels over 128 validation slices of 128x128 with the reference model
 * (seeded initial weights: timing does not depend on how well the model is trained). The run
 * directory is made on the fly in a temp folder: phantom data, final weights, status completed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend, type BackendPreference } from '../src/node/compute/backend';
import { RunStore } from '../src/node/runs/store';
import { readSweepRecord } from '../src/node/sweep/files';
import { runSweep } from '../src/node/sweep/job';
import { saveModelDir } from '../src/node/train/checkpoint';
import { buildModel, modelPreset } from '../src/shared/model';
import { parseRunConfig } from '../src/shared/run/config';
import { DEFAULT_LEVELS, parseSweepConfig } from '../src/shared/sweep/config';

export interface SweepBenchSpec {
  bench: 'sweep';
  inputSize: number;
  slices: number;
  scorer: 'onnx' | 'tfjs';
  /** onnxruntime intra-op threads. */
  threads: number;
  backend: BackendPreference;
}

export async function runSweepBench(spec: SweepBenchSpec) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-sweep-'));
  try {
    const backend = await initBackend(spec.backend, { log: (line) => process.stderr.write(`${line}\n`) });
    const slicesPerCase = 32;
    const valCases = Math.ceil(spec.slices / slicesPerCase);
    const config = parseRunConfig({
      name: 'bench-sweep',
      model: modelPreset('reference', { inputSize: spec.inputSize }),
      optimizer: { method: 'sgd', lr: 0.01 },
      epochs: 1,
      batchSize: 8,
      seed: 1,
      // Equal train and val halves: the patient split then gives `valCases` whole cases to val.
      data: { kind: 'phantoms', count: valCases * 2, slicesPerCase, size: spec.inputSize, seed: 5 },
      split: { train: 0.5, val: 0.5, test: 0 },
      backend: spec.backend,
    });
    const store = new RunStore(path.join(home, 'runs'));
    const rec = await store.create(config, backend);
    const model = buildModel(config.model);
    await saveModelDir(store.paths(rec.id).model, model, { modelConfig: config.model, epochs: 0 });
    model.dispose();
    await store.update(rec.id, (r) => {
      r.status = 'completed';
    });

    const sweepConfig = parseSweepConfig({ levels: [...DEFAULT_LEVELS], scorer: spec.scorer, maxSlices: spec.slices });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const out = await runSweep({
      runsRoot: store.root,
      sweepId: 'sw-bench',
      runIds: [rec.id],
      config: sweepConfig,
      backend: spec.backend,
      onnxThreads: spec.threads,
    });
    const totalMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (out.status !== 'completed') throw new Error(`sweep ${out.status}: ${out.error?.what}`);
    const sweep = await readSweepRecord(store.root, rec.id, 'sw-bench');
    return {
      bench: 'sweep',
      levels: sweep.levels.length,
      slices: sweep.slices.length,
      inputShape: sweep.inputShape,
      totalMs: Math.round(totalMs),
      /** CPU time of this process over the sweep (all threads): comparable across machine loads. */
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      perLevelMs: sweep.levels.map((l) => Math.round(l.seconds * 1000)),
      scorer: spec.scorer,
      threads: spec.scorer === 'onnx' ? spec.threads : undefined,
      backend: backend.name,
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}
