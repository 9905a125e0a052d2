import { plural } from '../../../shared/format/plural';
import type { OpenedDataset } from '../../../shared/api/schemas/datasets';
import { OpenActions, type OpenActionsProps } from './OpenActions';

const FORMAT_NAMES: Record<OpenedDataset['format'], string> = {
  phantom: 'Phantoms',
  lgg: 'LGG (kaggle_3m TIFF)',
  dicom: 'DICOM series',
  nifti: 'NIfTI-1',
  png: 'PNG slices',
  decathlon: 'Decathlon / nnU-Net layout',
  brats: 'BraTS-style cases',
};

/** The open dataset in one line: format, name, counts, warnings; and how to open another. */
export function DatasetBar({
  dataset,
  onClose,
  ...actions
}: { dataset: OpenedDataset; onClose(): void } & Omit<OpenActionsProps, 'primary'>) {
  const { masks } = dataset;
  return (
    <section className="dataset-bar" aria-label="Dataset">
      <div className="dataset-bar__main">
        <span className="format-badge" aria-label="Detected format" data-format={dataset.format}>
          {FORMAT_NAMES[dataset.format]}
        </span>
        <h3 className="dataset-bar__name" title={dataset.root}>
          {dataset.label}
        </h3>
        <span className="dataset-bar__counts" aria-label="Dataset counts">
          {plural(dataset.caseCount, 'case')} · {plural(dataset.sliceCount, 'slice')} · {dataset.shapes.join(', ')} ·{' '}
          {plural(masks.lesionSlices, 'lesion slice')}
          {masks.withoutMask > 0 ? ` · ${masks.withoutMask} without mask` : ''}
        </span>
        <button type="button" className="tool-button" aria-label="Close dataset" onClick={onClose}>
          Close
        </button>
      </div>
      <OpenActions {...actions} />
      {dataset.warnings.length > 0 && (
        <ul className="dataset-bar__warnings" aria-label="Dataset warnings">
          {dataset.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
