/**
 * The datasets open in this process. The data itself lives in the data reader thread
 * (src/node/data/remote.ts); the registry holds the summaries and the reader's keys. It is
 * bounded: opening one more than MAX_OPEN forgets the least recently used one.
 */
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import type { OpenedDataset } from '../../../shared/api/schemas/datasets';
import type { RemoteDataset } from '../../../node/data/remote';
import { StudioError } from '../../../shared/errors';
import { plural } from '../../../shared/format/plural';

export const MAX_OPEN = 4;

export interface OpenEntry {
  summary: OpenedDataset;
  /** The reader thread's key and the content id (same data = same id). */
  remote: Pick<RemoteDataset, 'key' | 'contentId'>;
  /** Called when the entry is dropped (deletes uploaded files). */
  dispose?: () => void;
  usedAt: number;
}

export interface Registry {
  add(dataset: RemoteDataset, opts?: { label?: string; dispose?: () => void }): OpenedDataset;
  get(id: string): OpenEntry;
  /** The entry already holding this content (same content id), if any. */
  findByContent(contentId: string): OpenEntry | undefined;
  list(): OpenedDataset[];
  close(id: string): boolean;
  closeAll(): void;
}

function defaultLabel(ds: RemoteDataset['summary']): string {
  if (ds.format === 'phantom') {
    const seed = /seed=(\d+)/.exec(ds.root)?.[1];
    return `Phantoms (${plural(ds.cases.length, 'case')}${seed ? `, seed ${seed}` : ''})`;
  }
  return basename(ds.root) || ds.root;
}

/** `release` is called with the reader key of every entry the registry drops. */
export function createRegistry(maxOpen = MAX_OPEN, release: (key: string) => void = () => {}): Registry {
  const entries = new Map<string, OpenEntry>();
  let clock = 0;

  function drop(id: string): boolean {
    const e = entries.get(id);
    if (!e) return false;
    entries.delete(id);
    release(e.remote.key);
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
        label: opts.label ?? defaultLabel(dataset.summary),
        ...dataset.summary,
        openedAt: new Date().toISOString(),
      };
      entries.set(id, { summary, remote: { key: dataset.key, contentId: dataset.contentId }, dispose: opts.dispose, usedAt: ++clock });
      return summary;
    },
    get(id) {
      const e = entries.get(id);
      if (!e) {
        throw new StudioError({
          code: 'not-found',
          what: `No open dataset "${id}"`,
          hint: 'It was closed or the studio restarted; open the data again.',
        });
      }
      e.usedAt = ++clock;
      return e;
    },
    findByContent(contentId) {
      return [...entries.values()].find((e) => e.remote.contentId === contentId);
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
