/**
 * What a sweep level counts, per pruning family: the unstructured family's level is a sparsity
 * (the share of conv weights set to zero); the channel family's is the share of conv weights (or
 * forward FLOPs, `channelTarget`) removed with their channels, not a sparsity. Every chart axis and
 * read-out names levels through here.
 */
import { levelLabel } from '../charts/sweepChart';
import { percent } from '../format/percent';
import type { SweepConfig } from './config';

/** How a pruning family is named in views, charts and the report. */
export const familyLabel = (f: SweepConfig['family']): string => (f === 'channel' ? 'channel' : 'unstructured');

export type LevelMeaning = Pick<SweepConfig, 'family'> & Partial<Pick<SweepConfig, 'channelTarget'>>;

/** A level's quantity in a table header: "sparsity", "conv weights removed", "conv FLOPs removed". */
export function levelHeader(m: LevelMeaning): string {
  return m.family === 'channel' ? `conv ${m.channelTarget === 'flops' ? 'FLOPs' : 'weights'} removed` : 'sparsity';
}

/** The quantity a level of this sweep is: "sparsity", "conv weights removed with their channels". */
export function levelQuantity(m: LevelMeaning): string {
  return m.family === 'channel' ? `${levelHeader(m)} with their channels` : 'sparsity';
}

/** The quantity of levels shown together (several sweeps in one chart): each distinct one, with its family when they differ. */
export function levelsQuantity(ms: readonly LevelMeaning[]): string {
  const byName = new Map(ms.map((m) => [levelQuantity(m), m.family]));
  if (byName.size <= 1) return [...byName.keys()][0] ?? 'sparsity';
  return [...byName].map(([q, f]) => `${q} (${f})`).join(' or ');
}

/** A chart's x-axis title: the quantity, and that the levels are evenly spaced (not to scale). */
export function levelAxisTitle(ms: readonly LevelMeaning[]): string {
  return `${levelsQuantity(ms)} (levels evenly spaced)`;
}

/** One level with its quantity, as the charts write levels: "90% sparsity", "50%: conv weights removed with their channels". */
export function describeLevel(level: number, ms: readonly LevelMeaning[]): string {
  const q = levelsQuantity(ms);
  return q === 'sparsity' ? `${levelLabel(level)} sparsity` : `${levelLabel(level)}: ${q}`;
}

/**
 * One level in a sentence (findings, report captions): "90 % global sparsity", "50 % of the conv
 * weights removed with their channels". `scope` names the unstructured family's threshold.
 */
export function levelInWords(level: number, m: LevelMeaning & Partial<Pick<SweepConfig, 'scope'>>): string {
  const at = percent(level, { trim: true });
  if (m.family === 'channel') return `${at} of the ${levelQuantity(m).replace(/^conv /, 'conv ')}`;
  return `${at} ${m.scope ? `${m.scope} ` : ''}sparsity`;
}
