import { SweepPage } from '../features/sweep/SweepPage';

export function SweepView() {
  return <SweepPage />;
}
