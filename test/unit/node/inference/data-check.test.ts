/**
 * Prediction runs the same data check as training: a scan with NaN/Inf voxels or a blank volume is
 * refused before any mask is computed, with the message training gives (only the way to accept it
 * differs), through `var-studio predict` and through predict.start; `--accept-data-issues` /
 * acceptDataIssues predicts anyway and says so in the warnings. The NaN scan is the real MNI152
 * volume from nifti-test-data with a few voxels made NaN/Inf.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { predictCommand } from '../../../../src/main/cli/commands/predict';
import { createServiceHost } from '../../../../src/main/services';
import { createConfinement } from '../../../../src/main/services/confine';
import { STUDIO_HOME_ENV } from '../../../../src/node/runs/home';
import { openDataset, checkTrainable } from '../../../../src/node/data';
import { decodeNifti, encodeNifti1 } from '../../../../src/shared/data/nifti';
import type { StudioError } from '../../../../src/shared/errors';
import { trainTinyRun } from '../../helpers/sweep';
import { captureIo } from '../../helpers/cli';

const MNI = path.resolve('node_modules/nifti-test-data/tests/data/avg152T1_LR_nifti.nii.gz');
let home: string;
let runId: string;
let nanScan: string;
let blankScan: string;

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'predict-check-'));
  process.env[STUDIO_HOME_ENV] = home;
  runId = await trainTinyRun(path.join(home, 'runs'), 'predict-check');
  // 12 slices of the real MNI152 volume, three voxels NaN / +Inf / -Inf.
  const mni = decodeNifti(new Uint8Array(gunzipSync(fs.readFileSync(MNI))));
  const n = mni.width * mni.height * 12;
  const vox = Float32Array.from(mni.data.subarray(0, n));
  vox[100] = NaN;
  vox[n - 5] = Infinity;
  vox[n / 2] = -Infinity;
  nanScan = path.join(home, 'scans', 'mni-nan.nii');
  fs.mkdirSync(path.dirname(nanScan), { recursive: true });
  fs.writeFileSync(nanScan, encodeNifti1(vox, [mni.width, mni.height, 12], { pixdim: [2, 2, 2] }));
  blankScan = path.join(home, 'scans', 'blank.nii');
  fs.writeFileSync(blankScan, encodeNifti1(new Float32Array(32 * 32 * 4), [32, 32, 4]));
}, 120_000);
afterAll(() => {
  fs.rmSync(home, { recursive: true, force: true });
});

/** The message training gives for the same scan. */
async function trainingRefusal(scan: string): Promise<StudioError> {
  try {
    checkTrainable(await openDataset(scan), false);
  } catch (e) {
    return e as StudioError;
  }
  throw new Error('training accepted the scan');
}

describe('predict refuses scans training refuses', () => {
  it(
    'var-studio predict: NaN/Inf and blank scans exit 1 with the training message; --accept-data-issues predicts and warns',
    { timeout: 120_000 },
    async () => {
      const runDir = path.join(home, 'runs', runId);
      for (const [scan, what] of [
        [nanScan, /^3 NaN\/Inf voxels/],
        [blankScan, /every voxel of the image is 0/],
      ] as const) {
        const out = path.join(home, 'out', path.basename(scan));
        const c = captureIo();
        expect(await predictCommand.run([runDir, '--in', scan, '--out', out], c.io)).toBe(1);
        const trained = await trainingRefusal(scan);
        expect(trained.what).toMatch(what);
        expect(c.errors()).toContain(trained.what);
        expect(c.errors()).toContain(scan);
        expect(c.errors()).toMatch(/--accept-data-issues/);
        expect(c.errors()).not.toMatch(/\n\s+at /);
        expect(fs.existsSync(out)).toBe(false);
      }
      const out = path.join(home, 'out', 'accepted');
      const c = captureIo();
      expect(await predictCommand.run([runDir, '--in', nanScan, '--out', out, '--accept-data-issues', '--json'], c.io)).toBe(0);
      const summary = JSON.parse(c.text()) as { warnings: string[]; cases: { depth: number }[] };
      expect(summary.cases[0].depth).toBe(12);
      expect(summary.warnings.join('\n')).toMatch(/data problem accepted: .*mni-nan\.nii: 3 NaN\/Inf voxels/);
    },
  );

  it('predict.start: the job fails with the same message; acceptDataIssues lets it run', { timeout: 120_000 }, async () => {
    const host = createServiceHost({ shell: 'browser', confinement: createConfinement({ allowRoots: [home] }) });
    const ends = new Map<string, (e: { state?: string }) => void>();
    host.events.subscribe((name, p) => {
      const e = p as { jobId: string; state?: string };
      if (name === 'job.changed' && e.state && !['queued', 'running'].includes(e.state)) ends.get(e.jobId)?.(e);
    });
    const run = async (jobId: string, extra: object) => {
      const ended = new Promise<{ state?: string; error?: { what: string; hint: string; file?: string } }>((r) => ends.set(jobId, r));
      const res = await host.invoke('predict.start', { runId, input: nanScan, levels: [0], jobId, ...extra });
      if (!res.ok) return { state: 'refused', error: res.error };
      return ended;
    };
    try {
      const trained = await trainingRefusal(nanScan);
      const refused = await run('nan', {});
      expect(refused.state).toBe('failed');
      expect(refused.error).toMatchObject({ what: trained.what, file: nanScan, hint: expect.stringMatching(/acceptDataIssues/) });
      expect(await run('nan-accepted', { acceptDataIssues: true })).toMatchObject({ state: 'completed' });
    } finally {
      await host.dispose();
    }
  });
});
