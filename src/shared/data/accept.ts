/**
 * Data the check found unfit (NaN/Inf voxels, blank volumes) is refused unless the user accepts it,
 * the same way for training and for prediction. The wording of that choice lives here so the
 * service's refusal, the CLI and both views name the same control.
 */
import { plural } from '../format/plural';

export type DataUse = 'train' | 'predict';

/** The checkbox that accepts the problems, in the Train and Predict views. */
export const ACCEPT_DATA_ISSUES_LABEL: Record<DataUse, string> = {
  train: 'Train despite data problems',
  predict: 'Predict despite data problems',
};

/** What a refusal tells the user to do: fix the files, or accept them with the control of that use. */
export const ACCEPT_DATA_ISSUES_HINT: Record<DataUse, string> = {
  train: `Fix or remove these files; or, to train anyway, tick "${ACCEPT_DATA_ISSUES_LABEL.train}" in the Train view (acceptDataIssues: true in the run config)`,
  predict: `Fix or remove these files; or, to predict anyway, tick "${ACCEPT_DATA_ISSUES_LABEL.predict}" in the Predict view or pass --accept-data-issues to var-studio predict (acceptDataIssues: true in the prediction settings)`,
};

/**
 * A view's reason not to start yet: the problems the check found ("file: detail") and how to go
 * on, or undefined when there are none or the user accepted them.
 */
export function dataIssuesProblem(issues: readonly string[], accepted: boolean, use: DataUse): string | undefined {
  if (issues.length === 0 || accepted) return undefined;
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
  return `The data check found ${plural(issues.length, 'problem')}: ${issues.slice(0, 3).join('; ')}${more}. Fix the files, or tick "${ACCEPT_DATA_ISSUES_LABEL[use]}" to ${use} anyway`;
}
