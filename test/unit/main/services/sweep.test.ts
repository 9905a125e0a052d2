/**
 * sweep.start refuses, before anything is queued, a channel sweep whose levels the run's model
 * cannot reach (the default levels go to 98 %), naming the maximum and what to give instead: the
 * message the Sweep view shows under its Start button.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceHost } from '../../../../src/main/services';
import { listSweepRecords } from '../../../../src/node/sweep/files';
import { trainTinyRun } from '../../helpers/sweep';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-service-'));
const root = path.join(home, 'runs');
const savedHome = process.env.VAR_STUDIO_HOME;
let runId = '';
beforeAll(async () => {
  process.env.VAR_STUDIO_HOME = home;
  runId = await trainTinyRun(root, 'service-channel', 'wasm');
}, 120_000);
afterAll(() => {
  if (savedHome === undefined) delete process.env.VAR_STUDIO_HOME;
  else process.env.VAR_STUDIO_HOME = savedHome;
  fs.rmSync(home, { recursive: true, force: true });
});

describe('sweep.start, channel family', () => {
  it('refuses the default levels before queueing, with the maximum and the way out', async () => {
    const host = createServiceHost({ shell: 'browser' });
    const res = await host.invoke('sweep.start', { runIds: [runId], config: { family: 'channel' } });
    expect(res.ok).toBe(false);
    const error = (res as { error: { code: string; what: string; hint: string } }).error;
    expect(error.code).toBe('bad-input');
    expect(error.what).toMatch(
      /^Channel pruning can remove at most 9\d\.\d % of this model's weights, not (\d+\.\d %, )*98\.0 % \(run "service-channel": Levels was left at the default levels, which are made for the unstructured family: give the channel sweep its own levels, e\.g\. 0, 25, 50, 75, 90 %\)$/,
    );
    expect(error.hint).toMatch(/choose levels up to 9\d\.0 % or the unstructured family/);
    const jobs = await host.invoke('jobs.list', {});
    expect((jobs as { result: { jobs: unknown[] } }).result.jobs).toHaveLength(0);
    expect((await listSweepRecords(root, runId)).records).toHaveLength(0);
  });
});
