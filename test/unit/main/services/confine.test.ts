/**
 * Browser mode reaches only what it should: reads and browsing under the allowed roots (after
 * resolving symlinks), links inside a data folder never followed out of it, exports only under the
 * run store / export root, /proc never; client mistakes answer 4xx, never 500.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../../../../src/shared/api/client';
import { createServiceHost } from '../../../../src/main/services';
import { createConfinement } from '../../../../src/main/services/confine';
import { createDatasetService, type DatasetService } from '../../../../src/main/services/datasets';
import { startServer, type RunningServer } from '../../../../src/main/server';
import { encodePng8 } from '../../../../src/shared/data/png';
import type { StudioError } from '../../../../src/shared/errors';

const TOKEN = 'confine-token-0123456789abcdef';
const root = mkdtempSync(join(tmpdir(), 'confine-'));
const data = join(root, 'data');
const secret = join(root, 'secret');
let svc: DatasetService;
let api: ApiClient;
let server: RunningServer;

const png = (fill: number) =>
  encodePng8(
    new Uint8Array(8 * 8).fill(fill).map((v, i) => (i % 3 ? v : 200)),
    8,
    8,
    1,
  );

async function failure(p: Promise<unknown>): Promise<StudioError> {
  try {
    await p;
  } catch (e) {
    return e as StudioError;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  mkdirSync(join(data, 'scans'), { recursive: true });
  mkdirSync(secret);
  writeFileSync(join(secret, 'other_1.png'), png(9));
  writeFileSync(join(data, 'scans', 'a_1.png'), png(1));
  writeFileSync(join(data, 'scans', 'a_2.png'), png(2));
  symlinkSync(join(secret, 'other_1.png'), join(data, 'scans', 'a_3.png'));
  symlinkSync('/proc/self/environ', join(data, 'scans', 'b_1.png'));
  symlinkSync(secret, join(data, 'escape'));
  svc = createDatasetService({
    tempDir: join(root, 'tmp'),
    env: { VAR_STUDIO_DATA_ROOT: data },
    confinement: createConfinement({ env: { VAR_STUDIO_DATA_ROOT: data } }),
  });
  const host = createServiceHost({ shell: 'browser', handlers: svc.handlers });
  api = createApiClient({ shell: 'browser', invoke: (n, i) => host.invoke(n, i), on: () => () => {} });
  mkdirSync(join(root, 'renderer'));
  writeFileSync(join(root, 'renderer', 'index.html'), '<!doctype html><title>t</title>');
  server = await startServer({ services: host, token: TOKEN, rendererDir: join(root, 'renderer'), port: 0 });
});

afterAll(async () => {
  await server?.close();
  svc?.dispose();
  rmSync(root, { recursive: true, force: true });
});

describe('browser-mode confinement', () => {
  it('browses and opens only inside the allowed roots, after resolving symlinks', async () => {
    expect((await api.call('datasets.browse', { path: data })).entries.map((e) => e.name)).toContain('scans');
    for (const p of [secret, '/etc', join(data, 'escape'), join(data, 'escape', 'other_1.png')]) {
      const browse = await failure(api.call('datasets.browse', { path: p }));
      expect(browse.what, p).toMatch(/outside the folders this browser-mode studio may use/);
      expect(browse.hint).toMatch(/--allow-root/);
      expect((await failure(api.call('datasets.open', { path: p }))).what, p).toMatch(/outside the folders/);
    }
    expect(
      (await failure(api.call('datasets.open', { paths: [join(data, 'scans', 'a_1.png'), join(secret, 'other_1.png')] }))).what,
    ).toMatch(/outside the folders/);
    expect((await failure(api.call('datasets.browse', { path: '/proc/self' }))).what).toMatch(/system folders/);
    // "Up" stops at a root.
    expect((await api.call('datasets.browse', { path: data })).parent).toBeUndefined();
  });

  it('never follows a link inside a data folder out of it, and says so', async () => {
    const ds = await api.call('datasets.open', { path: join(data, 'scans') });
    expect(ds.sliceCount).toBe(2);
    expect(ds.quality.skipped).toEqual(
      expect.arrayContaining([
        { file: join(data, 'scans', 'a_3.png'), reason: expect.stringMatching(/outside the opened folder/) },
        { file: join(data, 'scans', 'b_1.png'), reason: expect.stringMatching(/outside the opened folder/) },
      ]),
    );
  });

  it('writes exports only under the run store and the export root', () => {
    const standard = createConfinement();
    expect(() => standard.checkWrite(join(secret, 'out'), 'browser')).toThrow(/output folder is outside/);
    expect(() => standard.checkWrite('/tmp/x/y', 'browser')).toThrow(/--export-root/);
    expect(() => standard.checkWrite(join(secret, 'out'), 'electron')).not.toThrow();
    const withExportRoot = createConfinement({ exportRoots: [secret] });
    expect(() => withExportRoot.checkWrite(join(secret, 'new', 'out'), 'browser')).not.toThrow();
    // Each host has its own: another's export root does not widen this one.
    expect(() => standard.checkWrite(join(secret, 'new', 'out'), 'browser')).toThrow(/output folder is outside/);
  });

  it("trains only on data it could open: the run config's data path is confined like datasets.open", async () => {
    const { createEventBus } = await import('../../../../src/shared/api/bus');
    const { createJobService } = await import('../../../../src/main/services/jobs');
    const { createTrainingService } = await import('../../../../src/main/services/training');
    const { parseRunConfig } = await import('../../../../src/shared/run/config');
    const { tinyRunConfig } = await import('../../helpers/job');
    const events = createEventBus();
    const jobs = createJobService(events);
    let open: string[] = [];
    const confinement = createConfinement({ allowRoots: [data] });
    const training = createTrainingService({
      jobs,
      events,
      runsRoot: () => join(root, 'runs'),
      confinement,
      openDatasetRoots: () => ['phantoms:seed=1', ...open],
    });
    const config = (path: string) => parseRunConfig({ ...tinyRunConfig({ name: 'confined' }), data: { kind: 'path', path } });
    try {
      for (const [p, why] of [
        [secret, /outside the folders/],
        [join(data, 'escape'), /outside the folders/],
        ['/proc/self', /system folders/],
        ['/etc', /outside the folders/],
      ] as const) {
        const ctx = { shell: 'browser' as const, events };
        expect((await failure(training.handlers['training.start'](config(p), ctx))).what, p).toMatch(why);
        expect((await failure(training.handlers['training.preflight']({ config: config(p), calibrate: false }, ctx))).what, p).toMatch(why);
      }
      expect(jobs.list()).toEqual([]);
      // A run created outside browser mode (CLI, desktop) on such a folder cannot be resumed here either.
      const { RunStore } = await import('../../../../src/node/runs/store');
      const store = new RunStore(join(root, 'runs'));
      await store.create(config(secret), { name: 'cpu', detail: 'test', fallbacks: [] }, { id: 'resume-secret' });
      expect((await failure(training.handlers['training.resume']({ runId: 'resume-secret' }, { shell: 'browser', events }))).what).toMatch(
        /outside the folders/,
      );
      expect(jobs.list()).toEqual([]);
      // Inside a read root: the pre-flight reads it (and finds its problems) instead of refusing it.
      const inside = await training.handlers['training.preflight'](
        { config: config(join(data, 'scans')), calibrate: false },
        { shell: 'browser', events },
      );
      expect(inside.data?.cases).toBe(1);
      // A dataset open in this studio (an upload's temp folder) may be trained on; the desktop shell is not confined.
      await expect(
        training.handlers['training.preflight']({ config: config(secret), calibrate: false }, { shell: 'electron', events }),
      ).resolves.toBeTruthy();
      open = [secret];
      await expect(
        training.handlers['training.preflight']({ config: config(secret), calibrate: false }, { shell: 'browser', events }),
      ).resolves.toBeTruthy();
    } finally {
      await jobs.dispose();
    }
  });

  it('answers client mistakes with 4xx: malformed %-escapes, bad files, unsupported files', async () => {
    const post = (p: string, body: unknown) =>
      fetch(`http://127.0.0.1:${server.port}${p}`, {
        method: 'POST',
        headers: { 'x-var-studio-token': TOKEN, 'content-type': 'application/json', host: `127.0.0.1:${server.port}` },
        body: JSON.stringify(body),
      });
    const escape = await post('/api/call/datasets.%E0%A4%A', {});
    expect(escape.status).toBe(400);
    expect((await escape.json()).error.what).toMatch(/Malformed %-escape/);
    mkdirSync(join(data, 'bad'));
    writeFileSync(join(data, 'bad', 'x_1.png'), 'not a png');
    const bad = await post('/api/call/datasets.open', { path: join(data, 'bad') });
    expect(bad.status).toBe(422);
    expect((await bad.json()).error).toMatchObject({ code: 'bad-file', file: join(data, 'bad', 'x_1.png') });
  });
});
