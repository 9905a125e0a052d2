/**
 * `npm run bench -- <suite> [--workers 0,1,2] [--steps N] [--warmup N] [--batch N] [--size N]
 *  [--preset reference] [--backend auto|webgpu|wasm|cpu|...]`
 *
 * Prints one JSON line per case on stdout (logs go to stderr). Every case runs in a fresh
 * child process, so peak RSS is that case's own and no engine state leaks between cases.
 * Suites: train (reference model, plain SGD and SGD+VAR; each line also gives inferMs, one
 * inference pass of the same batch at the same workers timed alternately with the steps, and
 * trainOverForward = medianMs / inferMs), infer, sweep (8 levels x 128 slices,
 * [--scorer onnx|tfjs] [--threads N]), profile (one training step in one thread, per kernel:
 * see profile.ts; use --batch 4 for one worker's shard), convgrad (each convolution's forward
 * and gradient kernels on the same shapes, CPU ms: see convgrad.ts). Add a suite to SUITES.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { runCase, type CaseSpec as TimingCaseSpec } from './cases';
import { runConvGradBench, type ConvGradSpec } from './convgrad';
import { runProfile, type ProfileSpec } from './profile';
import { runSweepBench, type SweepBenchSpec } from './sweep';
import type { PresetName } from '../src/shared/model';
import { probeBackend, type BackendPreference } from '../src/node/compute/backend';

type CaseSpec = TimingCaseSpec | SweepBenchSpec | ProfileSpec | ConvGradSpec;

interface Options {
  workers: number[];
  steps?: number;
  warmup?: number;
  batch: number;
  size: number;
  preset: PresetName;
  backend: BackendPreference;
  scorer: 'onnx' | 'tfjs';
  threads: number;
}

/** The timing cases of a suite: one per worker count and VAR lambda, `steps` timed steps unless --steps. */
const timingCases = (o: Options, bench: TimingCaseSpec['bench'], steps: number, varLambdas: number[]): TimingCaseSpec[] =>
  o.workers.flatMap((workers) =>
    varLambdas.map((varLambda) => ({
      bench,
      preset: o.preset,
      inputSize: o.size,
      batch: o.batch,
      steps: o.steps ?? steps,
      warmup: o.warmup ?? 2,
      workers,
      varLambda,
      backend: o.backend,
    })),
  );

const SUITES: Record<string, (o: Options) => CaseSpec[]> = {
  train: (o) => timingCases(o, 'train', 5, [0, 1e-5]),
  profile: (o) => [{ bench: 'profile', preset: o.preset, inputSize: o.size, batch: o.batch, steps: o.steps ?? 3, backend: o.backend }],
  convgrad: (o) => [{ bench: 'convgrad', preset: o.preset, inputSize: o.size, batch: o.batch, steps: o.steps ?? 5, backend: o.backend }],
  sweep: (o) => [{ bench: 'sweep', inputSize: o.size, slices: 128, scorer: o.scorer, threads: o.threads, backend: o.backend }],
  infer: (o) => timingCases(o, 'infer', 10, [0]),
};

function parse(argv: string[]): { suites: string[]; options: Options } {
  const suites: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) flags.set(a.slice(2), argv[++i] ?? '');
    else suites.push(a);
  }
  const num = (k: string) => (flags.has(k) ? Number(flags.get(k)) : undefined);
  const options: Options = {
    // One GPU is one device: webgpu runs in the bench process unless --workers says otherwise.
    workers: (flags.get('workers') ?? (flags.get('backend') === 'webgpu' ? '0' : String(Math.min(2, availableParallelism()))))
      .split(',')
      .map(Number),
    steps: num('steps'),
    warmup: num('warmup'),
    batch: num('batch') ?? 8,
    size: num('size') ?? 128,
    preset: (flags.get('preset') ?? 'reference') as PresetName,
    backend: (flags.get('backend') ?? 'auto') as BackendPreference,
    scorer: (flags.get('scorer') ?? 'onnx') as 'onnx' | 'tfjs',
    // One onnxruntime thread: no spin-waiting pool, fastest on a shared 2-core machine (measured).
    threads: num('threads') ?? 1,
  };
  return { suites: suites.length ? suites : ['train', 'infer'], options };
}

/** Run one case in a child process with the same loader flags (tsx) as this one. */
function runChild(spec: CaseSpec): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1], '--case', JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`bench case failed (exit ${code}): ${JSON.stringify(spec)}`)),
    );
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const caseIdx = argv.indexOf('--case');
  if (caseIdx >= 0) {
    const spec = JSON.parse(argv[caseIdx + 1]) as CaseSpec;
    const result =
      spec.bench === 'sweep'
        ? await runSweepBench(spec)
        : spec.bench === 'profile'
          ? await runProfile(spec)
          : spec.bench === 'convgrad'
            ? await runConvGradBench(spec)
            : await runCase(spec);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const { suites, options } = parse(argv);
  // The ladder runs here, once, and says which rungs it skipped; the case processes inherit its
  // decision (src/node/compute/ladderDecision.ts) instead of probing again.
  await probeBackend(options.backend, { log: (line) => process.stderr.write(`${line}\n`) });
  for (const name of suites) {
    const suite = SUITES[name];
    if (!suite) throw new Error(`Unknown bench suite "${name}"; known: ${Object.keys(SUITES).join(', ')}`);
    for (const spec of suite(options)) console.log(await runChild(spec));
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
