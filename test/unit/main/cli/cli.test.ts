import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { helpText, runCli } from '../../../../src/main/cli/index';
import { commands } from '../../../../src/main/cli/registry';
import { findRendererDir } from '../../../../src/main/cli/commands/serve';
import { captureIo } from '../../helpers/cli';

describe('var-studio CLI', () => {
  it('lists every registered command in the help', async () => {
    const { io, out } = captureIo();
    expect(await runCli([], io)).toBe(0);
    for (const c of commands) expect(out.join('\n')).toContain(c.name);
    expect(helpText()).toContain('serve');
  });

  it('command names are unique', () => {
    const names = commands.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('rejects an unknown command with exit code 2 and the help', async () => {
    const { io, err } = captureIo();
    expect(await runCli(['frobnicate'], io)).toBe(2);
    expect(err.join('\n')).toContain('Unknown command "frobnicate"');
    expect(err.join('\n')).toContain('serve');
  });

  it('prints a command usage for --help', async () => {
    const { io, out } = captureIo();
    expect(await runCli(['serve', '--help'], io)).toBe(0);
    expect(out.join('\n')).toContain('--no-open');
  });

  it('turns bad options into a StudioError message, not a stack trace', async () => {
    const { io, err } = captureIo();
    expect(await runCli(['serve', '--bogus'], io)).toBe(1);
    expect(err[0]).toMatch(/^Error: .*bogus/);
    expect(err[1]).toContain('serve --help');
    const e2 = captureIo();
    expect(await runCli(['serve', '--port', 'abc'], e2.io)).toBe(1);
    expect(e2.err[0]).toContain('Invalid port');
  });

  it('serve runs browser mode until the signal aborts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'var-studio-cli-'));
    mkdirSync(join(dir, 'r'));
    writeFileSync(join(dir, 'r', 'index.html'), '<!doctype html>');
    const ac = new AbortController();
    const { io, out } = captureIo(ac.signal);
    const done = runCli(['serve', '--port', '0', '--no-open', '--renderer', join(dir, 'r')], io);
    let url: string | undefined;
    for (let i = 0; i < 100 && !url; i++) {
      url = out.map((l) => /Open: (\S+)/.exec(l)?.[1]).find(Boolean);
      if (!url) await new Promise((r) => setTimeout(r, 50));
    }
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
    const res = await fetch(url!);
    expect(res.status).toBe(200);
    ac.abort();
    expect(await done).toBe(0);
    await expect(fetch(url!)).rejects.toThrow();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds out/renderer from the source tree', () => {
    expect(findRendererDir()).toBe(join(process.cwd(), 'out', 'renderer'));
  });
});
