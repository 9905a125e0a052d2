/**
 * The event loop stays free: while a training job runs and a big dataset opens (every slice
 * decoded), the browser-mode server still answers /api/health quickly. The bound is generous
 * (the target is 100 ms; the test machine is shared); before this work one phantom request
 * stalled every call for seconds.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceHost, type ServiceHost } from '../../../../src/main/services';
import { createConfinement } from '../../../../src/main/services/confine';
import { HEALTH_PATH, startServer, type RunningServer } from '../../../../src/main/server';
import { CALL_PATH_PREFIX, TOKEN_HEADER } from '../../../../src/shared/api/channels';
import { encodeNifti1 } from '../../../../src/shared/data/nifti';
import { tinyRunConfig } from '../../helpers/job';

const TOKEN = 'health-token-0123456789abcdef';
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'health-latency-'));
let server: RunningServer;
let services: ServiceHost;
let origin: string;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the reply is untyped JSON; each test reads the fields it checks
async function call(name: string, input: unknown): Promise<{ ok: boolean; result?: any; error?: any }> {
  const res = await fetch(`${origin}${CALL_PATH_PREFIX}${name}`, {
    method: 'POST',
    headers: { [TOKEN_HEADER]: TOKEN, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  return res.json();
}

beforeAll(async () => {
  process.env.VAR_STUDIO_HOME = home;
  fs.mkdirSync(path.join(home, 'renderer'));
  fs.writeFileSync(path.join(home, 'renderer', 'index.html'), '<!doctype html><title>t</title>');
  // Browser mode reads only allowed roots; the test data is written under this temp folder.
  services = createServiceHost({ shell: 'browser', confinement: createConfinement({ allowRoots: [home] }) });
  server = await startServer({ services, token: TOKEN, rendererDir: path.join(home, 'renderer'), port: 0 });
  origin = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await services?.dispose();
  await server?.close();
  fs.rmSync(home, { recursive: true, force: true });
});

describe('event loop', () => {
  it('answers /api/health while a job runs and a big dataset opens', async () => {
    // 4 float volumes of 160x160x80 (33 MB of voxels) with masks: every slice is decoded at open.
    const data = path.join(home, 'big');
    fs.mkdirSync(data);
    const [w, h, d] = [160, 160, 80];
    for (let k = 0; k < 4; k++) {
      fs.writeFileSync(
        path.join(data, `case${k}.nii`),
        encodeNifti1(
          new Float32Array(w * h * d).map((_, i) => (i * (k + 3)) % 251),
          [w, h, d],
        ),
      );
      fs.writeFileSync(
        path.join(data, `case${k}_mask.nii`),
        encodeNifti1(
          new Uint8Array(w * h * d).map((_, i) => (i % 97 === 0 ? 1 : 0)),
          [w, h, d],
          { datatype: 2 },
        ),
      );
    }
    const job = await call('training.start', tinyRunConfig({ name: 'busy', epochs: 50, backend: 'cpu' }));
    expect(job.ok).toBe(true);

    const latencies: number[] = [];
    let opened = false;
    const open = call('datasets.open', { path: data }).finally(() => (opened = true));
    while (!opened) {
      const t0 = performance.now();
      const res = await fetch(`${origin}${HEALTH_PATH}`);
      expect(await res.json()).toEqual({ ok: true });
      latencies.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 20));
    }
    const result = await open;
    await call('training.cancel', { jobId: job.result.jobId });
    expect(result.ok, JSON.stringify(result.error)).toBe(true);
    expect(result.result.quality.checked).toBe('pixels');
    expect(result.result.sliceCount).toBe(4 * 80);
    latencies.sort((a, b) => a - b);
    const max = latencies[latencies.length - 1];
    console.log(
      `health during open: ${latencies.length} polls, median ${latencies[latencies.length >> 1].toFixed(1)} ms, max ${max.toFixed(1)} ms`,
    );
    expect(latencies.length).toBeGreaterThan(3);
    expect(max).toBeLessThan(750);
  }, 120_000);

  it('refuses phantom requests beyond the size cap at once, in the API and in run configs', async () => {
    const big = await call('datasets.phantoms', { cases: 512, slicesPerCase: 256, size: 512 });
    expect(big.error).toMatchObject({ code: 'too-large', hint: expect.stringMatching(/fewer cases/) });
    const run = await call(
      'training.start',
      tinyRunConfig({ data: { kind: 'phantoms', count: 100000, slicesPerCase: 4096, size: 2048, seed: 1 } }),
    );
    expect(run.error).toMatchObject({ code: 'bad-input', what: expect.stringMatching(/too large/) });
  });
});
