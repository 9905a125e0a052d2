import { EmptyState } from '../components/EmptyState';

export function SweepView() {
  return (
    <EmptyState icon="◔" title="No sweep yet">
      <p>
        A sweep prunes a finished run in one shot at several sparsity levels (for example 50%, 90%, 95%) and scores each level
        with Dice, so plain and VAR-trained models can be compared side by side.
      </p>
      <p>Finish a run in the Train view first (press 2).</p>
    </EmptyState>
  );
}
