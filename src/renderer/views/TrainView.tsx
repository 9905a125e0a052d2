import { EmptyState } from '../components/EmptyState';

export function TrainView() {
  return (
    <EmptyState icon="◭" title="No training run yet">
      <p>
        Train a ResNet-UNet with SGD, SAM, CrAM or CrAM+, each with or without the Variance Amplifying Regularizer (VAR).
        Progress, loss and Dice stream here while a run is going.
      </p>
      <p>Load a dataset in the Data view first (press 1).</p>
    </EmptyState>
  );
}
