import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic, writeFileAtomicSync } from '../../../../src/node/fs/atomic';
import { StudioError } from '../../../../src/shared/errors';

const tmp = mkdtempSync(join(tmpdir(), 'data-atomic-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('writes strings and bytes and leaves no temp file', async () => {
    await writeFileAtomic(join(tmp, 'a.txt'), 'hello');
    await writeFileAtomic(join(tmp, 'b.bin'), new Uint8Array([1, 2, 3]));
    expect(readFileSync(join(tmp, 'a.txt'), 'utf8')).toBe('hello');
    expect([...readFileSync(join(tmp, 'b.bin'))]).toEqual([1, 2, 3]);
    expect(readdirSync(tmp).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses to overwrite unless told, keeping the old content', async () => {
    const p = join(tmp, 'keep.txt');
    writeFileSync(p, 'old');
    await expect(writeFileAtomic(p, 'new')).rejects.toMatchObject({ code: 'exists', file: p });
    expect(readFileSync(p, 'utf8')).toBe('old');
    expect(() => writeFileAtomicSync(p, 'new')).toThrow(StudioError);
    await writeFileAtomic(p, 'new', { overwrite: true });
    expect(readFileSync(p, 'utf8')).toBe('new');
    writeFileAtomicSync(p, 'newer', { overwrite: true });
    expect(readFileSync(p, 'utf8')).toBe('newer');
    expect(readdirSync(tmp).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('fails with a StudioError and no partial file when the folder is missing', async () => {
    const p = join(tmp, 'missing', 'x.txt');
    await expect(writeFileAtomic(p, 'x')).rejects.toMatchObject({ code: 'bad-file' });
    expect(() => writeFileAtomicSync(p, 'x')).toThrow(StudioError);
  });

  it('one of two racing writers wins and the file is complete', async () => {
    const p = join(tmp, 'race.txt');
    const big = 'a'.repeat(1 << 20),
      other = 'b'.repeat(1 << 20);
    const r = await Promise.allSettled([writeFileAtomic(p, big), writeFileAtomic(p, other)]);
    expect(r.filter((x) => x.status === 'fulfilled').length).toBe(1);
    const got = readFileSync(p, 'utf8');
    expect(got === big || got === other).toBe(true);
  });
});
