/**
 * The channel/label choice the Data view edits (draft, validation, the datasets.open request it
 * sends), the Train form's model inputs from it, and the Predict view's channel mapping.
 */
import { describe, expect, it } from 'vitest';
import type { OpenedDataset } from '../../../../../src/shared/api/schemas/datasets';
import { bratsRegions, checkDraft, describeChoice, draftOf, requestOf, sameDraft } from '../../../../../src/renderer/features/data/choices';
import { checkMapping, defaultMapping } from '../../../../../src/renderer/features/predict/channels';
import { DEFAULT_FORM, toRunConfig } from '../../../../../src/renderer/features/train/form';

const brats = {
  root: '/data/brats',
  format: 'brats',
  choices: {
    channels: ['t1', 't1ce', 't2', 'flair'],
    availableChannels: ['t1', 't1ce', 't2', 'flair'],
    labels: [{ value: 1 }, { value: 2 }, { value: 4 }],
  },
} as unknown as OpenedDataset;

describe('Data view channel and label choice', () => {
  it('starts from what the dataset uses, sends only what differs from the defaults', () => {
    const d = draftOf(brats);
    expect(d.channels.map((c) => [c.name, c.on])).toEqual([
      ['t1', true],
      ['t1ce', true],
      ['t2', true],
      ['flair', true],
    ]);
    expect(d.lesion).toEqual([1, 2, 4]);
    expect(requestOf(brats, d)).toEqual({ path: '/data/brats', channels: ['t1', 't1ce', 't2', 'flair'] });
    const flairFirst = {
      channels: [
        { name: 'flair', on: true },
        { name: 't1ce', on: true },
        { name: 't1', on: false },
        { name: 't2', on: false },
      ],
      lesion: [4, 1],
    };
    expect(requestOf(brats, flairFirst)).toEqual({ path: '/data/brats', channels: ['flair', 't1ce'], labels: [1, 4] });
    expect(sameDraft(d, flairFirst)).toBe(false);
    expect(sameDraft(d, draftOf(brats))).toBe(true);
  });

  it('refuses no channel, no lesion label, or a label no map holds', () => {
    expect(checkDraft(brats, draftOf(brats))).toBeUndefined();
    expect(checkDraft(brats, { ...draftOf(brats), channels: draftOf(brats).channels.map((c) => ({ ...c, on: false })) })).toBe(
      'Keep at least one channel',
    );
    expect(checkDraft(brats, { ...draftOf(brats), lesion: [] })).toBe('Tick at least one label as lesion');
    expect(checkDraft(brats, { ...draftOf(brats), lesion: [3] })).toBe('Label 3 is in no label map of this data');
  });

  it('BraTS regions follow the labels present (2021: enhancing 4; 2023: 3)', () => {
    expect(bratsRegions([1, 2, 4])).toEqual([
      { id: 'wt', label: 'Whole tumour', values: [1, 2, 4] },
      { id: 'tc', label: 'Tumour core', values: [1, 4] },
      { id: 'et', label: 'Enhancing tumour', values: [4] },
    ]);
    expect(bratsRegions([1, 2, 3]).map((r) => r.values)).toEqual([[1, 2, 3], [1, 3], [3]]);
    expect(describeChoice({ channels: ['flair', 't1ce'], lesionLabels: [1, 4] })).toBe('channels flair, t1ce; lesion = labels 1, 4');
  });

  it('the Train form gives the model one input per chosen channel and stores the choice in the run config', () => {
    const sources = [
      {
        label: 'brats',
        data: { kind: 'path' as const, path: '/data/brats', format: 'brats' as const, channels: ['flair', 't1ce'], labels: [1, 4] },
      },
    ];
    const { config, errors } = toRunConfig({ ...DEFAULT_FORM, source: '0' }, sources);
    expect(errors).toEqual({});
    expect(config?.model.inChannels).toBe(2);
    expect(config?.data).toMatchObject({ channels: ['flair', 't1ce'], labels: [1, 4] });
    expect(toRunConfig({ ...DEFAULT_FORM, source: 'phantoms' }, []).config?.model.inChannels).toBe(3);
  });
});

describe('Predict view channel mapping', () => {
  it("maps the run's trained channel names onto the scan's (case-insensitive), else by position", () => {
    expect(defaultMapping(['FLAIR', 'T1w', 'T2w'], ['t2w', 'flair'], 2)).toEqual(['T2w', 'FLAIR']);
    expect(defaultMapping(['t1', 't1ce', 't2', 'flair'], undefined, 3)).toEqual(['t1', 't1ce', 't2']);
    expect(defaultMapping(['a'], ['x', 'y'], 2)).toEqual(['a', '']);
  });

  it('refuses too few scan channels, an unmapped input, a channel used twice', () => {
    expect(checkMapping(['t2', 'flair'], ['t1', 't2', 'flair'], 2)).toBeUndefined();
    expect(checkMapping(['a', ''], ['a'], 2)).toBe("The scan has 1 channel (a); the run's model takes 2");
    expect(checkMapping(['t2', ''], ['t1', 't2'], 2)).toBe('Choose a scan channel for model input 2');
    expect(checkMapping(['t2', 't2'], ['t1', 't2'], 2)).toBe('Channel t2 feeds two model inputs; each input needs its own channel');
  });
});
