import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultRunsRoot, newRunId, RunStore, STUDIO_HOME_ENV } from '../../../../src/node/runs/store';
import { replaceDirAtomic, resolveSwappedDir } from '../../../../src/node/runs/dirSwap';
import { packTensors, unpackTensors } from '../../../../src/node/train/tensorPack';
import { parseRunConfig } from '../../../../src/shared/run/config';
import { studioHome } from '../../../../src/node/runs/home';
import { tinyRunConfig } from '../../helpers/job';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'job-store-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const backend = { name: 'cpu' as const, detail: 'test', fallbacks: [] };

describe('run store', () => {
  it('defaults to the studio home (see test/unit/node/fs/lock.test.ts for its rules) and honours VAR_STUDIO_HOME', () => {
    const saved = process.env[STUDIO_HOME_ENV];
    delete process.env[STUDIO_HOME_ENV];
    expect(defaultRunsRoot()).toBe(path.join(studioHome(), 'runs'));
    expect(defaultRunsRoot().startsWith(os.homedir())).toBe(true);
    process.env[STUDIO_HOME_ENV] = '/data/studio';
    expect(defaultRunsRoot()).toBe(path.join('/data/studio', 'runs'));
    if (saved === undefined) delete process.env[STUDIO_HOME_ENV];
    else process.env[STUDIO_HOME_ENV] = saved;
  });

  it('trainedWeights: the complete final model, else the complete last checkpoint, else none', async () => {
    const store = new RunStore(path.join(root, 'weights'));
    const run = await store.create(parseRunConfig(tinyRunConfig({ name: 'weights' })), backend);
    const p = store.paths(run.id);
    const fill = (files: string[]) => async (dir: string) => {
      for (const f of files) fs.writeFileSync(path.join(dir, f), f);
    };
    expect(store.trainedWeights(run.id)).toBeUndefined();
    // A checkpoint without its complete mark (state.json) does not count.
    fs.mkdirSync(p.checkpoint);
    fs.writeFileSync(path.join(p.checkpoint, 'weights.bin'), 'partial');
    expect(store.trainedWeights(run.id)).toBeUndefined();
    fs.rmSync(p.checkpoint, { recursive: true });
    await replaceDirAtomic(p.checkpoint, fill(['weights.bin', 'state.json']));
    expect(store.trainedWeights(run.id)).toEqual({ kind: 'checkpoint', file: path.join(p.checkpoint, 'weights.bin') });
    await replaceDirAtomic(p.model, fill(['weights.bin', 'state.json']));
    expect(store.trainedWeights(run.id)).toEqual({ kind: 'final', file: path.join(p.model, 'weights.bin') });
    // A crash between the two renames of a swap leaves the complete previous model under .old-model-*.
    const old = path.join(p.dir, '.old-model-crash');
    fs.renameSync(p.model, old);
    expect(store.trainedWeights(run.id)).toEqual({ kind: 'final', file: path.join(old, 'weights.bin') });
  });

  it('creates, lists (newest first), opens, updates and deletes runs', async () => {
    const store = new RunStore(path.join(root, 'a'));
    const config = parseRunConfig(tinyRunConfig({ name: 'My run #1' }));
    const r1 = await store.create(config, backend, { now: new Date('2026-01-01T00:00:00Z') });
    const r2 = await store.create(config, backend, { now: new Date('2026-01-02T00:00:00Z') });
    expect(r1.id).toMatch(/^20260101-000000-my-run-1-[0-9a-f]{4}$/);
    expect(fs.existsSync(path.join(store.root, r1.id, 'run.json'))).toBe(true);
    fs.mkdirSync(path.join(store.root, 'broken'));
    fs.writeFileSync(path.join(store.root, 'broken', 'run.json'), '{"id": 1}');
    const { runs, problems } = await store.list();
    expect(runs.map((r) => r.id)).toEqual([r2.id, r1.id]);
    expect(problems).toHaveLength(1);
    expect(problems[0].what).toMatch(/schema/);
    const upd = await store.update(r1.id, (r) => {
      r.status = 'cancelled';
    });
    expect((await store.open(r1.id)).status).toBe('cancelled');
    expect(upd.updatedAt >= r1.updatedAt).toBe(true);
    // Defaults were applied and survive the round trip.
    expect((await store.open(r1.id)).config.split).toEqual({ train: 0.5, val: 0.25, test: 0.25 });
    await store.delete(r1.id);
    await expect(store.open(r1.id)).rejects.toMatchObject({ code: 'not-found' });
    await expect(store.create(config, backend, { id: r2.id })).rejects.toMatchObject({ code: 'exists' });
  });

  it('new runs record the ascent they train with; records written before the field existed read as the data ascent', async () => {
    const store = new RunStore(path.join(root, 'ascent'));
    const config = parseRunConfig(tinyRunConfig({ optimizer: { method: 'sam', lr: 0.05, varLambda: 1e-4 } }));
    expect(config.optimizer.ascent).toBe('objective');
    const r = await store.create(config, backend);
    const file = path.join(store.root, r.id, 'run.json');
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).config.optimizer.ascent).toBe('objective');
    expect((await store.open(r.id)).config.optimizer.ascent).toBe('objective');
    const old = JSON.parse(fs.readFileSync(file, 'utf8'));
    delete old.config.optimizer.ascent;
    fs.writeFileSync(file, JSON.stringify(old));
    expect((await store.open(r.id)).config.optimizer.ascent).toBe('data');
  });

  it('rejects ids that would leave the runs root', () => {
    const store = new RunStore(root);
    for (const id of ['..', '../x', 'a/b', '', '.hidden']) expect(() => store.paths(id)).toThrow(/not a run id/);
    expect(newRunId('!!!')).toMatch(/-run-[0-9a-f]{4}$/);
  });

  it('rejects an invalid run config with the offending fields', () => {
    expect(() => parseRunConfig({ ...tinyRunConfig(), batchSize: 0, split: { train: 0.5, val: 0.1, test: 0.1 } })).toThrow(/batchSize.*split|split.*batchSize/s);
  });
});

describe('atomic directory swap and tensor files', () => {
  it('keeps the old directory when filling the new one fails', async () => {
    const target = path.join(root, 'swap', 'checkpoint');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    await replaceDirAtomic(target, async (tmp) => fs.writeFileSync(path.join(tmp, 'state.json'), '1'));
    await expect(
      replaceDirAtomic(target, async (tmp) => {
        fs.writeFileSync(path.join(tmp, 'state.json'), '2');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(fs.readFileSync(path.join(target, 'state.json'), 'utf8')).toBe('1');
    expect(fs.readdirSync(path.dirname(target))).toEqual(['checkpoint']);
    expect(resolveSwappedDir(target)).toBe(target);
    expect(resolveSwappedDir(path.join(root, 'swap', 'none'))).toBeUndefined();
  });

  it('round-trips float32 and int32 tensors and rejects damaged files', () => {
    const f = new Float32Array([1.5, -2, 3e-9, Math.PI]);
    const i = new Int32Array([7, -8, 9]);
    const buf = packTensors([
      { name: 'a', shape: [2, 2], values: f },
      { name: 'b', shape: [3], values: i },
    ]);
    const { tensors } = unpackTensors(buf);
    expect(tensors.map((t) => t.name)).toEqual(['a', 'b']);
    expect(Array.from(tensors[0].values)).toEqual(Array.from(f));
    expect(tensors[1].values).toBeInstanceOf(Int32Array);
    expect(Array.from(tensors[1].values)).toEqual([7, -8, 9]);
    expect(() => unpackTensors(buf.subarray(0, buf.length - 8), 'x.bin')).toThrow(/Truncated/);
    expect(() => unpackTensors(Buffer.from('hello world'), 'x.bin')).toThrow(/Not a VAR Studio/);
  });
});
