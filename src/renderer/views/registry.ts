/**
 * The view registry (OHIF-style): the navigation and the routing are generated from this list.
 * This folder holds only the registry: each view's page lives in its feature folder
 * (`features/<feature>/<Feature>Page.tsx`). To add a view: add one entry here, and bind its key
 * as `view.<id>` in `hotkeys/bindings.ts`.
 */
import type { ComponentType } from 'react';
import { DataPage } from '../features/data/DataPage';
import { ExportPage } from '../features/export/ExportPage';
import { PredictPage } from '../features/predict/PredictPage';
import { SweepPage } from '../features/sweep/SweepPage';
import { TrainPage } from '../features/train/TrainPage';

export interface ViewDefinition {
  /** Stable id, used in the URL hash (#/data), the `view.<id>` key binding and in tests. */
  id: string;
  title: string;
  /** One glyph shown in the navigation; decorative (the title is the accessible name). */
  icon: string;
  /** One line shown as the navigation tooltip. */
  description: string;
  component: ComponentType;
}

export const views: readonly ViewDefinition[] = [
  { id: 'data', title: 'Data', icon: '▦', description: 'Load scans and lesion masks, browse cases', component: DataPage },
  { id: 'train', title: 'Train', icon: '◭', description: 'Train a ResNet-UNet with or without VAR', component: TrainPage },
  {
    id: 'sweep',
    title: 'Sweep',
    icon: '◔',
    description: 'Prune in one shot at several sparsity levels, score with Dice',
    component: SweepPage,
  },
  { id: 'export', title: 'Export', icon: '⇪', description: 'Export the pruned model for edge devices', component: ExportPage },
  {
    id: 'predict',
    title: 'Predict',
    icon: '◎',
    description: 'Predict lesion masks on a new scan at several sparsity levels; NIfTI and DICOM SEG out',
    component: PredictPage,
  },
];

export function findView(id: string | undefined): ViewDefinition | undefined {
  return views.find((v) => v.id === id);
}

/** The key-binding command that opens a view. */
export const viewCommand = (id: string): string => `view.${id}`;
