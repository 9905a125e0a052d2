import { ACCEPT_DATA_ISSUES_LABEL, type DataUse } from '../../shared/data/accept';

interface Props {
  use: DataUse;
  checked: boolean;
  onChange: (checked: boolean) => void;
  /** The label's class in the hosting view's form. */
  className: string;
  id?: string;
  describedBy?: string;
  invalid?: boolean;
}

/**
 * The one control that accepts data the check found unfit (NaN/Inf voxels, blank volumes), in the
 * Train and Predict views; its wording is the one the service's refusal names.
 */
export function AcceptDataIssues({ use, checked, onChange, className, id, describedBy, invalid }: Props) {
  return (
    <label className={className}>
      <input
        id={id}
        type="checkbox"
        name="acceptDataIssues"
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
        aria-invalid={invalid}
        aria-describedby={describedBy}
      />{' '}
      {ACCEPT_DATA_ISSUES_LABEL[use]}
    </label>
  );
}
