import { EmptyState } from '../components/EmptyState';

export function DataView() {
  return (
    <EmptyState icon="▦" title="No dataset loaded">
      <p>
        Load MRI slices with lesion masks: DICOM series, NIfTI volumes (<code>.nii</code>, <code>.nii.gz</code>), the LGG{' '}
        <code>kaggle_3m</code> TIFF layout, or PNG slices with masks.
      </p>
      <p>
        No data at hand? The built-in generator makes FLAIR-like brain phantoms: <code>npx var-studio phantoms --help</code>.
      </p>
    </EmptyState>
  );
}
