/**
 * THE up-front check of a channel sweep's levels against its model: the Sweep view's start
 * (`sweep.start`), `var-studio sweep` and an experiment's plan refuse levels the model cannot reach
 * (`maxChannelFraction`, rule `checkChannelFractions`) before anything is swept or trained, instead
 * of failing at that level mid-sweep. The default levels are the unstructured grid (up to 98 %),
 * above what any model's channel pruning can remove, so the message then says to give channel levels.
 */
import { buildModel } from '../model/build';
import type { ModelConfig } from '../model/config';
import { checkChannelFractions, maxChannelFraction } from '../prune/channel';
import { DEFAULT_LEVELS, type SweepConfig } from './config';

/** `where` names the levels for the user: a config field, a CLI flag or a form field (and the run). */
export function checkChannelLevels(
  model: ModelConfig,
  sweep: Pick<SweepConfig, 'family' | 'levels' | 'channelTarget'>,
  where: string,
): void {
  if (sweep.family !== 'channel') return;
  const built = buildModel(model);
  try {
    const defaults = sweep.levels.length === DEFAULT_LEVELS.length && sweep.levels.every((l, i) => l === DEFAULT_LEVELS[i]);
    checkChannelFractions(
      sweep.levels,
      maxChannelFraction(built, sweep.channelTarget),
      sweep.channelTarget,
      defaults
        ? ` (${where} was left at the default levels, which are made for the unstructured family: give the channel sweep its own levels, e.g. 0, 25, 50, 75, 90 %)`
        : ` (${where})`,
    );
  } finally {
    built.dispose();
  }
}
