/**
 * One writer per run and per experiment folder: a second writer is refused with the holder's pid,
 * host and start time; a lock left by a killed process is taken over; one from another host never.
 * Also where runs live (VAR_STUDIO_HOME, XDG, the legacy folder) and the Electron single-instance
 * and permission decisions.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireLock, checkUnlocked, LOCK_FILE } from '../../../../src/node/fs/lock';
import { runCli } from '../../../../src/main/cli/index';
import { createServiceHost } from '../../../../src/main/services';
import { startServer } from '../../../../src/main/server';
import { wireToError } from '../../../../src/shared/api/wire';
import { resumeRun, trainNewRun } from '../../../../src/node/train/job';
import { runExperiment } from '../../../../src/node/experiment';
import { platformDataDir, studioHome } from '../../../../src/node/runs/home';
import { enforceSingleInstance, permissionAllowed } from '../../../../src/main/electron/security';
import { tinyRunConfig } from '../../helpers/job';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'locks-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const dir = (name: string) => path.join(root, name);

describe('folder locks', () => {
  it('refuses a second writer, naming the holder, and frees the folder on release', () => {
    const d = dir('a');
    const lock = acquireLock(d, 'first');
    expect(() => acquireLock(d, 'second')).toThrow(
      expect.objectContaining({
        code: 'busy',
        file: d,
        what: expect.stringMatching(new RegExp(`process ${process.pid} on ${os.hostname()} \\(first, since \\d{4}-`)),
      }),
    );
    lock.release();
    expect(fs.existsSync(path.join(d, LOCK_FILE))).toBe(false);
    acquireLock(d, 'third').release();
    // No private link files are left behind.
    expect(fs.readdirSync(d)).toEqual([]);
  });

  it('takes over a stale lock from this host, never one from another host', () => {
    const d = dir('b');
    fs.mkdirSync(d);
    fs.writeFileSync(
      path.join(d, LOCK_FILE),
      JSON.stringify({ pid: 99999999, host: os.hostname(), startedAt: '2020-01-01T00:00:00Z', purpose: 'killed' }),
    );
    const lock = acquireLock(d, 'after a crash');
    expect(JSON.parse(fs.readFileSync(path.join(d, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, purpose: 'after a crash' });
    lock.release();
    fs.writeFileSync(
      path.join(d, LOCK_FILE),
      JSON.stringify({ pid: 1234, host: 'other-node.cluster', startedAt: '2020-01-01T00:00:00Z', purpose: 'experiment' }),
    );
    expect(() => acquireLock(d, 'mine')).toThrow(
      expect.objectContaining({ hint: expect.stringMatching(/If no studio is running on other-node.cluster, delete .*\.lock/) }),
    );
  });

  it('holds across processes, and a kill -9 of the holder frees it', async () => {
    const d = dir('c');
    const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('test/unit/fixtures/lock-child.ts'), d], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => b.toString().includes('LOCKED') && resolve());
      child.on('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    expect(() => acquireLock(d, 'parent')).toThrow(new RegExp(`process ${child.pid} on .*lock test child`));
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
    acquireLock(d, 'parent').release();
  }, 30_000);

  it('a run being trained cannot be resumed by a second writer', async () => {
    const runsRoot = dir('runs');
    let started!: () => void;
    const onStart = new Promise<void>((r) => (started = r));
    const first = trainNewRun(tinyRunConfig({ epochs: 2 }), { runsRoot, runId: 'locked-run', onStart: () => started() });
    await onStart;
    await expect(resumeRun('locked-run', { runsRoot })).rejects.toMatchObject({
      code: 'busy',
      what: expect.stringMatching(/training run locked-run.*already writing/),
    });
    expect((await first).status).toBe('completed');
    expect(fs.existsSync(path.join(runsRoot, 'locked-run', LOCK_FILE))).toBe(false);
  }, 120_000);

  it('a second sweep of a run is refused while one sweeps it (another studio, the CLI), naming the holder; nothing is written', async () => {
    const { trainTinyRun } = await import('../../helpers/sweep');
    const { runSweep } = await import('../../../../src/node/sweep/job');
    const { SWEEP_LOCK_HINT, sweepsDir } = await import('../../../../src/node/sweep/files');
    const { parseSweepConfig } = await import('../../../../src/shared/sweep');
    const { createEventBus } = await import('../../../../src/shared/api/bus');
    const { createJobService } = await import('../../../../src/main/services/jobs');
    const { createSweepService } = await import('../../../../src/main/services/sweep');
    const runsRoot = dir('sweep-runs');
    const runId = await trainTinyRun(runsRoot, 'sweep-locked');
    const sweeps = sweepsDir(runsRoot, runId);
    // The other writer: a process holding the run's sweep lock (as a sweep of another studio does).
    const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('test/unit/fixtures/lock-child.ts'), sweeps], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => b.toString().includes('LOCKED') && resolve());
      child.on('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    const refusal = {
      code: 'busy',
      file: sweeps,
      what: expect.stringMatching(new RegExp(`process ${child.pid} on .*\\(lock test child, since .*already writing`)),
      hint: SWEEP_LOCK_HINT,
    };
    const config = parseSweepConfig({ levels: [0, 0.5] });
    await expect(runSweep({ runsRoot, sweepId: 'sw-second-1', runIds: [runId], config, backend: 'cpu' })).rejects.toMatchObject(refusal);
    // The studio says so when the sweep is asked for, before queueing it.
    const events = createEventBus();
    const jobs = createJobService(events);
    const service = createSweepService({ jobs, runsRoot: () => runsRoot });
    await expect(
      service.handlers['sweep.start']({ runIds: [runId], config: { levels: [0, 0.5] } } as never, { shell: 'browser', events }),
    ).rejects.toMatchObject(refusal);
    expect(jobs.list()).toEqual([]);
    expect(fs.readdirSync(sweeps)).toEqual([LOCK_FILE]);
    // Once the holder is gone (kill -9), the sweep runs and frees the lock.
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
    const out = await runSweep({ runsRoot, sweepId: 'sw-after-1', runIds: [runId], config, backend: 'cpu' });
    expect(out.status).toBe('completed');
    expect(fs.existsSync(path.join(sweeps, LOCK_FILE))).toBe(false);
    await jobs.dispose();
  }, 120_000);

  it('a second experiment into the same folder is refused before it touches anything', async () => {
    const out = dir('exp');
    const lock = acquireLock(out, 'experiment');
    const { experimentPreset } = await import('../../../../src/shared/experiment/presets');
    await expect(runExperiment(experimentPreset('tiny'), { out })).rejects.toMatchObject({
      code: 'busy',
      what: expect.stringMatching(/already writing/),
    });
    expect(fs.readdirSync(out)).toEqual([LOCK_FILE]);
    // The CLI names the holder and exits 75 (try again later), not 1 (fix the input).
    const err: string[] = [];
    const io = { out: () => undefined, err: (l: string) => err.push(l), isTTY: false, signal: new AbortController().signal };
    expect(await runCli(['experiment', '--preset', 'tiny', '--out', out], io)).toBe(75);
    expect(err.join('\n')).toMatch(new RegExp(`process ${process.pid} on ${os.hostname()} \\(experiment, since .*already writing here`));
    expect(err.join('\n')).toMatch(
      new RegExp(`Wait for it to finish or stop it \\(Cancel in the studio that runs it, or kill ${process.pid}\\)`),
    );
    expect(fs.readdirSync(out)).toEqual([LOCK_FILE]);
    // Browser mode: 409 with the code kept (the renderer's client reads it back as busy, not internal).
    const services = createServiceHost({
      shell: 'browser',
      handlers: {
        'runs.get': async () => {
          checkUnlocked(out);
          throw new Error('not reached');
        },
      },
    });
    const server = await startServer({ services, token: 'lock-token-0123456789abcdef', rendererDir: root, port: 0 });
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/api/call/runs.get`, {
        method: 'POST',
        headers: { 'x-var-studio-token': 'lock-token-0123456789abcdef', 'content-type': 'application/json' },
        body: JSON.stringify({ runId: 'x' }),
      });
      expect(res.status).toBe(409);
      const body = (await res.json()) as { error: unknown };
      expect(wireToError(body.error)).toMatchObject({ code: 'busy', file: out, what: expect.stringMatching(/already writing here/) });
    } finally {
      await server.close();
      await services.dispose();
    }
    lock.release();
  });
});

describe('studio home', () => {
  const ctx = (env: NodeJS.ProcessEnv, existing: string[] = [], platform: NodeJS.Platform = 'linux') => ({
    env,
    platform,
    homedir: '/home/u',
    exists: (p: string) => existing.includes(p),
  });
  it('VAR_STUDIO_HOME, then XDG data, then the platform folder; the legacy folder while it holds runs', () => {
    expect(studioHome(ctx({ VAR_STUDIO_HOME: '/data/vs' }))).toBe('/data/vs');
    expect(studioHome(ctx({ XDG_DATA_HOME: '/xdg' }))).toBe('/xdg/var-studio');
    expect(studioHome(ctx({}))).toBe('/home/u/.local/share/var-studio');
    expect(platformDataDir(ctx({}, [], 'darwin'))).toBe('/home/u/Library/Application Support/var-studio');
    expect(studioHome(ctx({}, ['/home/u/.var-studio/runs']))).toBe('/home/u/.var-studio');
    expect(studioHome(ctx({}, ['/home/u/.var-studio/runs', '/home/u/.local/share/var-studio']))).toBe('/home/u/.local/share/var-studio');
    expect(studioHome(ctx({}), '/home/u/.config/VAR Studio')).toBe('/home/u/.config/VAR Studio');
  });
});

describe('Electron shell', () => {
  it('refuses every permission check and request', () => {
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'hid', 'serial', 'openExternal']) {
      expect(permissionAllowed(p, 'file:///opt/var-studio/out/renderer/index.html')).toBe(false);
    }
  });

  it('keeps one instance: a second start quits, the first is focused', () => {
    const calls: string[] = [];
    const fake = (got: boolean) => ({
      requestSingleInstanceLock: () => got,
      quit: () => calls.push('quit'),
      on: (_e: 'second-instance', l: () => void) => calls.push(`on:${typeof l}`),
    });
    expect(enforceSingleInstance(fake(false), () => calls.push('focus'))).toBe(false);
    expect(calls).toEqual(['quit']);
    calls.length = 0;
    expect(enforceSingleInstance(fake(true), () => calls.push('focus'))).toBe(true);
    expect(calls).toEqual(['on:function']);
  });
});
