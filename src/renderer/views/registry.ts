/**
 * The view registry (OHIF-style): the navigation, the keyboard shortcuts and the routing are all
 * generated from this list. To add a view: write `views/<Name>View.tsx` and add one entry here.
 */
import type { ComponentType } from 'react';
import { DataView } from './DataView';
import { ExportView } from './ExportView';
import { SweepView } from './SweepView';
import { TrainView } from './TrainView';

export interface ViewDefinition {
  /** Stable id, used in the URL hash (#/data) and in tests. */
  id: string;
  title: string;
  /** One glyph shown in the navigation; decorative (the title is the accessible name). */
  icon: string;
  /** Single key that opens the view when focus is not in a text field. */
  shortcut: string;
  /** One line shown as the navigation tooltip. */
  description: string;
  component: ComponentType;
}

export const views: readonly ViewDefinition[] = [
  { id: 'data', title: 'Data', icon: '▦', shortcut: '1', description: 'Load scans and lesion masks, browse cases', component: DataView },
  { id: 'train', title: 'Train', icon: '◭', shortcut: '2', description: 'Train a ResNet-UNet with or without VAR', component: TrainView },
  { id: 'sweep', title: 'Sweep', icon: '◔', shortcut: '3', description: 'Prune in one shot at several sparsity levels, score with Dice', component: SweepView },
  { id: 'export', title: 'Export', icon: '⇪', shortcut: '4', description: 'Export the pruned model for edge devices', component: ExportView },
];

export function findView(id: string | undefined): ViewDefinition | undefined {
  return views.find((v) => v.id === id);
}

export function viewForShortcut(key: string): ViewDefinition | undefined {
  return views.find((v) => v.shortcut === key);
}
