/**
 * The datasets open in this process. Readers keep decoded slices in memory, so the registry is
 * bounded: opening one more than MAX_OPEN forgets the least recently used one.
 */
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import type { Dataset } from '../../../shared/data/types';
import type { OpenedDataset } from '../../../shared/api/schemas/datasets';
import { summarize } from '../../../node/data/open';
import { StudioError } from '../../../shared/errors';
import { plural } from '../../../shared/format/plural';

export const MAX_OPEN = 4;

export interface OpenEntry {
  summary: OpenedDataset;
  dataset: Dataset;
  /** Called when the entry is dropped (deletes uploaded files). */
  dispose?: () => void;
  usedAt: number;
}

export interface Registry {
  add(dataset: Dataset, opts?: { label?: string; dispose?: () => void; warnings?: string[] }): OpenedDataset;
  get(id: string): OpenEntry;
  /** The entry already holding this content (same Dataset.id), if any. */
  findByContent(contentId: string): OpenEntry | undefined;
  list(): OpenedDataset[];
  close(id: string): boolean;
  closeAll(): void;
}

function defaultLabel(ds: Dataset): string {
  if (ds.format === 'phantom') {
    const seed = /seed=(\d+)/.exec(ds.root)?.[1];
    return `Phantoms (${plural(ds.cases.length, 'case')}${seed ? `, seed ${seed}` : ''})`;
  }
  return basename(ds.root) || ds.root;
}

export function createRegistry(maxOpen = MAX_OPEN): Registry {
  const entries = new Map<string, OpenEntry>();
  let clock = 0;

  function drop(id: string): boolean {
    const e = entries.get(id);
    if (!e) return false;
    entries.delete(id);
    try {
      e.dispose?.();
    } catch {
      // Cleanup of temp files must never fail the user's action.
    }
    return true;
  }

  return {
    add(dataset, opts = {}) {
      while (entries.size >= maxOpen) {
        const oldest = [...entries.entries()].sort((a, b) => a[1].usedAt - b[1].usedAt)[0];
        drop(oldest[0]);
      }
      const id = `ds-${randomBytes(6).toString('hex')}`;
      const summary: OpenedDataset = {
        id,
        label: opts.label ?? defaultLabel(dataset),
        ...summarize(dataset, opts.warnings),
        openedAt: new Date().toISOString(),
      };
      entries.set(id, { summary, dataset, dispose: opts.dispose, usedAt: ++clock });
      return summary;
    },
    get(id) {
      const e = entries.get(id);
      if (!e) {
        throw new StudioError({ code: 'not-found', what: `No open dataset "${id}"`, hint: 'It was closed or the studio restarted; open the data again.' });
      }
      e.usedAt = ++clock;
      return e;
    },
    findByContent(contentId) {
      return [...entries.values()].find((e) => e.dataset.id === contentId);
    },
    list() {
      return [...entries.values()].map((e) => e.summary);
    },
    close: drop,
    closeAll() {
      for (const id of [...entries.keys()]) drop(id);
    },
  };
}
