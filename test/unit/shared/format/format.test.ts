import { describe, expect, it } from 'vitest';
import { percent } from '../../../../src/shared/format/percent';
import { plural } from '../../../../src/shared/format/plural';
import { formatDuration, formatEta, formatSeconds } from '../../../../src/shared/format/time';

describe('the one formatting module (src/shared/format)', () => {
  it('percent: fixed decimals with a space by default; trimmed, compact and other digits on request', () => {
    expect(percent(0.5)).toBe('50.0 %');
    expect(percent(0.125, { digits: 2 })).toBe('12.50 %');
    expect(percent(0.5, { trim: true })).toBe('50 %');
    expect(percent(0.955, { trim: true })).toBe('95.5 %');
    expect(percent(0.9, { trim: true, compact: true })).toBe('90%');
    expect(percent(0.0004, { digits: 2 })).toBe('0.04 %');
    expect(percent(1)).toBe('100.0 %');
    expect(percent(0)).toBe('0.0 %');
  });

  it('plural, ETA and durations', () => {
    expect(plural(1, 'case')).toBe('1 case');
    expect(plural(2, 'slice')).toBe('2 slices');
    expect(formatEta(75)).toBe('ETA 1:15');
    expect(formatEta(3700)).toBe('ETA 1:01:40');
    expect(formatEta(undefined)).toBe('');
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(4800)).toBe('1 h 20 min');
    // Timing tables: rounded once, so a minute never shows 60 seconds (a report once said "4 min 60 s").
    expect(formatSeconds(87.04)).toBe('87.0 s');
    expect(formatSeconds(299.6)).toBe('5 min 0 s');
    expect(formatSeconds(301.4)).toBe('5 min 1 s');
    expect(formatSeconds(3725)).toBe('1 h 2 min 5 s');
  });
});
