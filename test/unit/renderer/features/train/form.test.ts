import { describe, expect, it } from 'vitest';
import { DEFAULT_FORM, suggestName, toRunConfig, type TrainForm } from '../../../../../src/renderer/features/train/form';
import { RunConfigSchema } from '../../../../../src/shared/run/config';
import { ACCEPT_DATA_ISSUES_HINT, ACCEPT_DATA_ISSUES_LABEL, dataIssuesProblem } from '../../../../../src/shared/data/accept';

const form = (over: Partial<TrainForm>): TrainForm => ({ ...DEFAULT_FORM, ...over });

describe('Train form -> RunConfig', () => {
  it('turns the default form into a valid phantom run config', () => {
    const { config, errors } = toRunConfig(DEFAULT_FORM, []);
    expect(errors).toEqual({});
    const parsed = RunConfigSchema.parse(config);
    expect(parsed.data).toEqual({ kind: 'phantoms', count: 32, slicesPerCase: 16, size: 64, seed: 1 });
    expect(parsed.optimizer).toMatchObject({ method: 'sgd', varLambda: 0 });
    expect(parsed.model).toMatchObject({ preset: 'reference', inputSize: 64, widthMultiplier: 0.5 });
    // Both cores by default: data-parallel gradient workers.
    expect(parsed.workers).toBe(2);
  });

  it('puts schema messages on the fields that caused them', () => {
    const { config, errors } = toRunConfig(form({ epochs: '0', lr: '', batchSize: '2.5', phantomCases: '0' }), []);
    expect(config).toBeUndefined();
    expect(errors.epochs).toBe('Must be at least 1');
    expect(errors.lr).toBe('Enter a number');
    expect(errors.batchSize).toBe('Enter a whole number');
    expect(errors.phantomCases).toBeTruthy();
    expect(toRunConfig(form({ workers: '-1' }), []).errors.workers).toBe('Must be at least 0');
    // No developer wording anywhere: every message of an all-wrong form reads as a sentence for people.
    for (const m of Object.values(errors)) expect(m).not.toMatch(/expected|received|[<>]=?\s*\d/);
  });

  it('checks VAR lambda, CrAM sparsities and the input size of the preset', () => {
    expect(toRunConfig(form({ varOn: true, varLambda: '0' }), []).errors.varLambda).toMatch(/above 0/);
    expect(toRunConfig(form({ method: 'cram', cramSparsities: '' }), []).errors.cramSparsities).toMatch(/at least one sparsity/);
    expect(toRunConfig(form({ method: 'cram', cramSparsities: '0.5, x' }), []).errors.cramSparsities).toMatch(/numbers/);
    expect(toRunConfig(form({ preset: 'resnet18-unet', inputSize: '48' }), []).errors.inputSize).toMatch(/multiple of 32/);
    const sam = toRunConfig(form({ method: 'cram+', rho: '0.1', cramSparsities: '0.5 0.9', varOn: true, varLambda: '1e-5' }), []);
    expect(sam.errors).toEqual({});
    expect(sam.config?.optimizer).toMatchObject({ method: 'cram+', rho: 0.1, cramSparsities: [0.5, 0.9], varLambda: 1e-5 });
    expect(suggestName(form({ method: 'sam', varOn: true }))).toBe('sam+var');
  });

  it('SAM / CrAM with VAR take the ascent choice (default: the whole objective); SGD and runs without VAR carry none', () => {
    const parse = (f: TrainForm) => RunConfigSchema.parse(toRunConfig(f, []).config).optimizer.ascent;
    expect(parse(form({ method: 'sam', varOn: true }))).toBe('objective');
    expect(toRunConfig(form({ method: 'sam', varOn: true, ascent: 'data' }), []).config?.optimizer).toMatchObject({
      method: 'sam',
      ascent: 'data',
    });
    expect(toRunConfig(form({ method: 'sgd', varOn: true, ascent: 'data' }), []).config?.optimizer).not.toHaveProperty('ascent');
    expect(toRunConfig(form({ method: 'cram', varOn: false, ascent: 'data' }), []).config?.optimizer).not.toHaveProperty('ascent');
  });

  it('trains on a dataset opened in the Data view by path', () => {
    const sources = [{ label: 'lgg', data: { kind: 'path' as const, path: '/data/lgg', format: 'lgg' as const } }];
    expect(toRunConfig(form({ source: '0' }), sources).config?.data).toEqual({ kind: 'path', path: '/data/lgg', format: 'lgg' });
    expect(toRunConfig(form({ source: '3' }), sources).errors.source).toMatch(/Data view/);
  });

  it('refuses data with problems unless the box is ticked, and records the acceptance', () => {
    const sources = [
      {
        label: 'bad',
        data: { kind: 'path' as const, path: '/data/bad', format: 'nifti' as const },
        issues: ['/data/bad/v.nii: 3 NaN/Inf voxels'],
      },
    ];
    const refused = toRunConfig(form({ source: '0' }), sources);
    expect(refused.config).toBeUndefined();
    expect(refused.errors.acceptDataIssues).toBe(
      'The data check found 1 problem: /data/bad/v.nii: 3 NaN/Inf voxels. Fix the files, or tick "Train despite data problems" to train anyway',
    );
    expect(toRunConfig(form({ source: '0', acceptDataIssues: true }), sources).config?.data).toEqual({
      kind: 'path',
      path: '/data/bad',
      format: 'nifti',
      acceptDataIssues: true,
    });
  });
});

describe('the one rule for data with problems, in the Train and Predict views', () => {
  it('names the control of each view and how many problems there are', () => {
    const issues = ['/s/a.nii: 3 NaN/Inf voxels', '/s/b.nii: every voxel of the image is 0', '/s/c.nii: x', '/s/d.nii: y'];
    expect(dataIssuesProblem(issues, false, 'predict')).toBe(
      'The data check found 4 problems: /s/a.nii: 3 NaN/Inf voxels; /s/b.nii: every voxel of the image is 0; /s/c.nii: x (and 1 more). Fix the files, or tick "Predict despite data problems" to predict anyway',
    );
    expect(dataIssuesProblem(issues, true, 'predict')).toBeUndefined();
    expect(dataIssuesProblem([], false, 'train')).toBeUndefined();
    expect(ACCEPT_DATA_ISSUES_HINT.predict).toContain(`tick "${ACCEPT_DATA_ISSUES_LABEL.predict}" in the Predict view`);
  });
});
