import { ExportPage } from '../features/export/ExportPage';

export function ExportView() {
  return <ExportPage />;
}
