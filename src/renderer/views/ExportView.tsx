import { EmptyState } from '../components/EmptyState';

export function ExportView() {
  return (
    <EmptyState icon="⇪" title="Nothing to export yet">
      <p>Export a pruned model as ONNX or TensorFlow.js layers, optionally quantized, and check it against the original.</p>
      <p>Pick a sparsity level in the Sweep view first (press 3).</p>
    </EmptyState>
  );
}
