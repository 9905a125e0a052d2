import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { calls, events, isCallName } from '../../../../src/shared/api/contract';
import { createApiClient, type Transport } from '../../../../src/shared/api/client';
import { createEventBus } from '../../../../src/shared/api/bus';
import { errorToWire, wireToError } from '../../../../src/shared/api/wire';
import { createServiceHost } from '../../../../src/main/services';
import { StudioError } from '../../../../src/shared/errors';

describe('API contract', () => {
  it('every call has input/output schemas and a registered handler', () => {
    const { handlers } = createServiceHost({ shell: 'browser' });
    for (const [name, spec] of Object.entries(calls)) {
      expect(spec.input, name).toBeInstanceOf(z.ZodType);
      expect(spec.output, name).toBeInstanceOf(z.ZodType);
      expect(typeof (handlers as Record<string, unknown>)[name], `handler for ${name}`).toBe('function');
    }
    expect(Object.keys(handlers).sort()).toEqual(Object.keys(calls).sort());
  });

  it('every event has a payload schema', () => {
    expect(Object.keys(events)).toContain('job.progress');
    expect(events['job.progress'].safeParse({ jobId: 'a', kind: 'train', fraction: 0.5, etaSeconds: 3 }).success).toBe(true);
    expect(events['job.progress'].safeParse({ jobId: 'a', kind: 'train', fraction: 1.5 }).success).toBe(false);
  });

  it('does not treat prototype keys as call names', () => {
    expect(isCallName('app.ping')).toBe(true);
    expect(isCallName('toString')).toBe(false);
    expect(isCallName('__proto__')).toBe(false);
  });
});

describe('services host', () => {
  const host = createServiceHost({ shell: 'browser' });

  it('runs a valid call', async () => {
    const r = await host.invoke('app.ping', { message: 'hi' });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.result).toMatchObject({ message: 'hi' });
  });

  it('rejects an unknown call with not-found', async () => {
    const r = await host.invoke('nope.nothing', {});
    expect(r).toMatchObject({ ok: false, error: { code: 'not-found' } });
    if (!r.ok) expect(r.error.hint).toContain('app.info');
  });

  it('rejects invalid input before the handler runs, naming the field', async () => {
    let ran = false;
    const h = createServiceHost({
      shell: 'browser',
      handlers: { 'app.ping': async (i) => ((ran = true), { message: i.message, receivedAt: '' }) },
    });
    const r = await h.invoke('app.ping', { message: 42 });
    expect(r).toMatchObject({ ok: false, error: { code: 'bad-input' } });
    if (!r.ok) expect(r.error.what).toContain('message');
    expect(ran).toBe(false);
    expect(await h.invoke('app.ping', { message: 'x', extra: true })).toMatchObject({ ok: false, error: { code: 'bad-input' } });
  });

  it('serialises StudioError fields and hides other errors behind internal', async () => {
    const h = createServiceHost({
      shell: 'electron',
      handlers: {
        'app.ping': async () => {
          throw new StudioError({ code: 'bad-file', what: 'Truncated', hint: 'Re-export it', file: 'a.dcm' });
        },
        'app.info': async () => {
          throw new TypeError('boom');
        },
      },
    });
    expect(await h.invoke('app.ping', { message: 'x' })).toEqual({
      ok: false,
      error: { code: 'bad-file', what: 'Truncated', hint: 'Re-export it', file: 'a.dcm' },
    });
    const r = await h.invoke('app.info', undefined);
    expect(r).toMatchObject({ ok: false, error: { code: 'internal' } });
    if (!r.ok) expect(r.error.what).toContain('boom');
  });

  it('app.ping with emitProgress emits a validated job.progress event', async () => {
    const seen: unknown[] = [];
    const off = host.events.subscribe((event, payload) => seen.push({ event, payload }));
    await host.invoke('app.ping', { message: 'm', emitProgress: true });
    off();
    expect(seen).toEqual([{ event: 'job.progress', payload: expect.objectContaining({ jobId: 'ping', fraction: 1, message: 'm' }) }]);
  });
});

describe('event bus', () => {
  it('refuses to emit a payload that breaks the contract', () => {
    const bus = createEventBus();
    const got: unknown[] = [];
    bus.subscribe((_e, p) => got.push(p));
    expect(() => bus.emit('job.progress', { jobId: '', kind: 'x', fraction: 0 })).toThrow(StudioError);
    expect(got).toEqual([]);
  });

  it('keeps delivering when one listener throws, and unsubscribes', () => {
    const bus = createEventBus();
    const got: unknown[] = [];
    bus.subscribe(() => {
      throw new Error('broken transport');
    });
    const off = bus.subscribe((_e, p) => got.push(p));
    bus.emit('job.progress', { jobId: 'j', kind: 'k', fraction: 0.1 });
    off();
    bus.emit('job.progress', { jobId: 'j', kind: 'k', fraction: 0.2 });
    expect(got).toHaveLength(1);
  });
});

describe('client', () => {
  function fakeTransport(result: unknown, eventPayloads: unknown[] = []): Transport {
    return {
      shell: 'browser',
      invoke: async () => ({ ok: true, result }),
      on: (_e, l) => {
        eventPayloads.forEach(l);
        return () => {};
      },
    };
  }

  it('validates outputs against the contract', async () => {
    const good = createApiClient(fakeTransport({ message: 'a', receivedAt: 'now' }));
    await expect(good.call('app.ping', { message: 'a' })).resolves.toEqual({ message: 'a', receivedAt: 'now' });
    const bad = createApiClient(fakeTransport({ message: 7 }));
    await expect(bad.call('app.ping', { message: 'a' })).rejects.toMatchObject({ code: 'mismatch' });
  });

  it('turns wire errors back into StudioError', async () => {
    const c = createApiClient({
      shell: 'electron',
      invoke: async () => ({ ok: false, error: { code: 'too-large', what: 'W', hint: 'H', file: 'f' } }),
      on: () => () => {},
    });
    const e = await c.call('app.info').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StudioError);
    expect(e).toMatchObject({ code: 'too-large', what: 'W', hint: 'H', file: 'f' });
  });

  it('drops events that break the contract', () => {
    const got: unknown[] = [];
    createApiClient(fakeTransport(null, [{ jobId: 'a', kind: 'k', fraction: 0.3 }, { bogus: true }])).on('job.progress', (p) =>
      got.push(p),
    );
    expect(got).toEqual([{ jobId: 'a', kind: 'k', fraction: 0.3 }]);
  });

  it('wire errors round-trip and unknown codes degrade to internal', () => {
    const e = new StudioError({ code: 'not-found', what: 'X', hint: 'Y' });
    expect(wireToError(errorToWire(e)).toJSON()).toEqual(e.toJSON());
    expect(wireToError({ code: 'weird', what: 'a', hint: 'b' }).code).toBe('internal');
    expect(wireToError(null).code).toBe('internal');
  });
});
