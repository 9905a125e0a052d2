/** Datasets opened in the Data view that a run can read from disk (phantoms are built in). */
import { useEffect, useState } from 'react';
import { useApi } from '../../api/context';
import type { DataSource } from './form';
import { plural } from '../../../shared/format/plural';
import { describeChoice } from '../data/choices';

export function useDataSources(): DataSource[] {
  const api = useApi();
  const [sources, setSources] = useState<DataSource[]>([]);
  useEffect(() => {
    let live = true;
    api.call('datasets.list').then(
      (list) => {
        if (!live) return;
        const onDisk = list.filter((d) => d.format !== 'phantom');
        setSources(
          onDisk.map((d) => ({
            label: `${d.label} (${d.format}, ${plural(d.caseCount, 'case')}${describeChoice(d.choices) ? `; ${describeChoice(d.choices)}` : ''})`,
            // The channel order and lesion labels chosen in the Data view go into the run config.
            data: {
              kind: 'path',
              path: d.root,
              format: d.format as Exclude<typeof d.format, 'phantom'>,
              ...(d.choices?.channels ? { channels: d.choices.channels } : {}),
              ...(d.choices?.lesionLabels ? { labels: d.choices.lesionLabels } : {}),
            },
            issues: d.quality.issues.map((i) => `${i.file}: ${i.detail}`),
          })),
        );
      },
      // No dataset service (or none open): the built-in phantoms remain.
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api]);
  return sources;
}
