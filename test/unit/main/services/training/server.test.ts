import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApiClient, type ApiClient } from '../../../../../src/shared/api/client';
import { CALL_PATH_PREFIX, EVENTS_PATH, TOKEN_HEADER, type WireEvent } from '../../../../../src/shared/api/channels';
import type { EventName, EventPayload } from '../../../../../src/shared/api/contract';
import { createServiceHost, type ServiceHost } from '../../../../../src/main/services';
import { startServer, type RunningServer } from '../../../../../src/main/server';
import { tinyRunConfig } from '../../../helpers/job';

const TOKEN = 'train-token-0123456789abcdef';
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'training-server-'));
let server: RunningServer;
let services: ServiceHost;
let socket: WebSocket;
let api: ApiClient;
const received: WireEvent[] = [];

beforeAll(async () => {
  // The registered training service resolves its runs root from VAR_STUDIO_HOME at every call.
  process.env.VAR_STUDIO_HOME = home;
  fs.mkdirSync(path.join(home, 'renderer'));
  fs.writeFileSync(path.join(home, 'renderer', 'index.html'), '<!doctype html><title>t</title>');
  services = createServiceHost({ shell: 'browser' });
  server = await startServer({ services, token: TOKEN, rendererDir: path.join(home, 'renderer'), port: 0 });
  const origin = `http://127.0.0.1:${server.port}`;
  socket = new WebSocket(`ws://127.0.0.1:${server.port}${EVENTS_PATH}?token=${TOKEN}`);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const listeners = new Set<(e: WireEvent) => void>();
  socket.on('message', (data) => {
    const e = JSON.parse(String(data)) as WireEvent;
    received.push(e);
    listeners.forEach((l) => l(e));
  });
  // The same typed client the renderer uses, over Node's fetch and ws: outputs are checked against the contract.
  api = createApiClient({
    shell: 'browser',
    invoke: async (name, input) => {
      const res = await fetch(`${origin}${CALL_PATH_PREFIX}${name}`, {
        method: 'POST',
        headers: { [TOKEN_HEADER]: TOKEN, 'content-type': 'application/json' },
        body: input === undefined ? '' : JSON.stringify(input),
      });
      return res.json();
    },
    on: (event, listener) => {
      const l = (e: WireEvent) => e.event === event && listener(e.payload);
      listeners.add(l);
      return () => listeners.delete(l);
    },
  });
});

afterAll(async () => {
  socket?.close();
  await services?.dispose();
  await server?.close();
  fs.rmSync(home, { recursive: true, force: true });
});

const events = <K extends EventName>(name: K) => received.filter((e) => e.event === name).map((e) => e.payload as EventPayload<K>);

describe('training through the browser-mode server', () => {
  it('trains a tiny run with progress and epoch events over the WebSocket, lists it, deletes it', async () => {
    const ended = new Promise<EventPayload<'job.changed'>>((resolve) =>
      api.on('job.changed', (j) => ['completed', 'failed', 'cancelled'].includes(j.state) && resolve(j)),
    );
    const job = await api.call('training.start', tinyRunConfig({ name: 'over-http', epochs: 1, backend: 'wasm' }));
    expect(job.state).toBe('running');
    const end = await ended;
    expect(end).toMatchObject({ jobId: job.jobId, state: 'completed', runId: job.runId });

    const progress = events('training.progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ jobId: job.jobId, runId: job.runId });
    const epochs = events('training.epoch');
    expect(epochs).toHaveLength(1);
    expect(epochs[0].record.weightStats.global.histogram.counts.length).toBeGreaterThan(10);
    expect(events('job.progress').some((p) => p.kind === 'train' && p.state === 'done')).toBe(true);

    const list = await api.call('runs.list');
    expect(list.runs).toHaveLength(1);
    expect(list.runs[0]).toMatchObject({ id: job.runId, status: 'completed', backend: 'wasm', epochsDone: 1 });
    expect(fs.existsSync(path.join(home, 'runs', job.runId!, 'run.json'))).toBe(true);
    const record = await api.call('runs.get', { runId: job.runId! });
    expect(record.epochs[0].weightStats.global.histogram.edges.length).toBe(
      record.epochs[0].weightStats.global.histogram.counts.length + 1,
    );

    // Invalid configs come back as readable errors naming the field.
    await expect(api.call('training.start', { ...tinyRunConfig(), epochs: 0 })).rejects.toMatchObject({
      code: 'bad-input',
      what: expect.stringContaining('epochs'),
    });
    await expect(api.call('runs.get', { runId: '../etc' })).rejects.toMatchObject({ code: 'bad-input' });

    expect(await api.call('runs.delete', { runId: job.runId! })).toEqual({ deleted: true });
    expect((await api.call('runs.list')).runs).toEqual([]);
    await expect(api.call('runs.delete', { runId: job.runId! })).rejects.toMatchObject({ code: 'not-found' });
  });
});
