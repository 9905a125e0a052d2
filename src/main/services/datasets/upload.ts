/**
 * Drag-and-drop uploads of browser mode. The page sends each file in chunks (base64 in JSON, under
 * the server's body limit); chunks are appended to a hidden `.part` file that is renamed to its
 * real name once complete, so a reader never sees half a file. Everything lives in one temp folder
 * per studio process, deleted at exit.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { appendFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { UPLOAD_CHUNK_BYTES } from '../../../shared/api/schemas/datasets';
import { StudioError } from '../../../shared/errors';

export interface UploadLimits {
  /** Largest total of one upload in bytes. */
  maxTotalBytes: number;
  /** Largest single file in bytes. */
  maxFileBytes: number;
  /** Uploads in progress at once (a forgotten tab must not pile up temp space). */
  maxSessions: number;
  /** An upload idle longer than this is dropped (ms). */
  idleMs: number;
}

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  maxTotalBytes: 2 * 1024 ** 3,
  maxFileBytes: 1024 ** 3,
  maxSessions: 4,
  idleMs: 30 * 60_000,
};

interface UploadFile {
  name: string;
  size: number;
  received: number;
  part: string;
  final: string;
}

export interface UploadSession {
  id: string;
  dir: string;
  files: UploadFile[];
  total: number;
  received: number;
  touchedAt: number;
  /** Display label: the common top folder of the dropped files, or "N uploaded files". */
  label: string;
}

const WINDOWS_DRIVE = /^[A-Za-z]:/;

/** Relative path segments of a dropped file name; refuses anything that could leave the upload folder. */
export function safeSegments(name: string): string[] {
  const segs = name.split(/[\\/]+/);
  const bad =
    name.startsWith('/') ||
    name.startsWith('\\') ||
    WINDOWS_DRIVE.test(name) ||
    name.includes('\0') ||
    segs.some((s) => s === '' || s === '.' || s === '..');
  if (bad) {
    throw new StudioError({
      code: 'bad-input',
      file: name,
      what: 'the uploaded file name is not a plain relative path',
      hint: 'Drop the files or folders themselves; names may not contain "..", absolute paths or empty parts',
    });
  }
  return segs;
}

export interface Uploads {
  begin(files: { name: string; size: number }[]): Promise<UploadSession>;
  chunk(id: string, file: number, offset: number, data: string): Promise<UploadSession>;
  /** Checks that every byte arrived and hands the folder over (the caller owns it from then on). */
  finish(id: string): UploadSession;
  abort(id: string): Promise<void>;
  /** Deletes the process-wide upload folder (also done at exit). */
  dispose(): void;
}

export function createUploads(limits: UploadLimits = DEFAULT_UPLOAD_LIMITS, parent = tmpdir()): Uploads {
  const sessions = new Map<string, UploadSession>();
  let root: string | undefined;
  const cleanup = () => {
    if (root) rmSync(root, { recursive: true, force: true });
    root = undefined;
  };

  function ensureRoot(): string {
    if (!root) {
      mkdirSync(parent, { recursive: true });
      root = mkdtempSync(join(parent, 'var-studio-uploads-'));
      process.once('exit', cleanup);
    }
    return root;
  }

  function session(id: string): UploadSession {
    const s = sessions.get(id);
    if (!s)
      throw new StudioError({
        code: 'not-found',
        what: `No upload "${id}" in progress`,
        hint: 'It finished, was cancelled or timed out; drop the files again.',
      });
    s.touchedAt = Date.now();
    return s;
  }

  async function drop(id: string): Promise<void> {
    const s = sessions.get(id);
    sessions.delete(id);
    if (s) await rm(s.dir, { recursive: true, force: true });
  }

  return {
    async begin(files) {
      const now = Date.now();
      for (const s of [...sessions.values()]) if (now - s.touchedAt > limits.idleMs) await drop(s.id);
      if (sessions.size >= limits.maxSessions) {
        throw new StudioError({
          code: 'too-large',
          what: `${sessions.size} uploads are already in progress`,
          hint: 'Wait for them to finish, or reload the page to cancel them',
        });
      }
      const total = files.reduce((a, f) => a + f.size, 0);
      if (total > limits.maxTotalBytes) {
        throw new StudioError({
          code: 'too-large',
          what: `the dropped files total ${total} bytes, over the upload limit of ${limits.maxTotalBytes}`,
          hint: 'Open large data sets by path with the folder browser instead of uploading them',
        });
      }
      const big = files.find((f) => f.size > limits.maxFileBytes);
      if (big) {
        throw new StudioError({
          code: 'too-large',
          file: big.name,
          what: `the file is ${big.size} bytes, over the per-file limit of ${limits.maxFileBytes}`,
          hint: 'Open it by path with the folder browser instead',
        });
      }
      const id = `up-${randomBytes(8).toString('hex')}`;
      const dir = join(ensureRoot(), id);
      const seen = new Set<string>();
      const list: UploadFile[] = files.map((f) => {
        const segs = safeSegments(f.name);
        const rel = segs.join('/');
        if (seen.has(rel))
          throw new StudioError({
            code: 'bad-input',
            file: f.name,
            what: 'the same file name was dropped twice',
            hint: 'Drop each file once',
          });
        seen.add(rel);
        const final = join(dir, ...segs);
        return { name: rel, size: f.size, received: 0, final, part: join(dirname(final), `.${segs[segs.length - 1]}.part`) };
      });
      for (const f of list) {
        await mkdir(dirname(f.final), { recursive: true });
        await writeFile(f.part, new Uint8Array(0));
        if (f.size === 0) await rename(f.part, f.final);
      }
      const tops = new Set(list.map((f) => f.name.split('/')[0]));
      const label =
        list.length === 1
          ? list[0].name.split('/').pop()!
          : tops.size === 1 && list[0].name.includes('/')
            ? [...tops][0]
            : `${list.length} uploaded files`;
      const s: UploadSession = { id, dir, files: list, total, received: 0, touchedAt: now, label };
      sessions.set(id, s);
      return s;
    },

    async chunk(id, index, offset, data) {
      const s = session(id);
      const f = s.files[index];
      if (!f) throw new StudioError({ code: 'bad-input', what: `upload ${id} has no file #${index}`, hint: 'Restart the upload' });
      const bytes = Buffer.from(data, 'base64');
      if (bytes.length > UPLOAD_CHUNK_BYTES) {
        throw new StudioError({
          code: 'too-large',
          file: f.name,
          what: `a chunk of ${bytes.length} bytes is over the chunk limit of ${UPLOAD_CHUNK_BYTES}`,
          hint: 'Send smaller chunks',
        });
      }
      // Chunks arrive in order; anything else is a client bug or a replay, and would corrupt the file.
      if (offset !== f.received) {
        throw new StudioError({
          code: 'bad-input',
          file: f.name,
          what: `chunk at byte ${offset} where byte ${f.received} was expected`,
          hint: 'Restart the upload',
        });
      }
      if (f.received + bytes.length > f.size) {
        await drop(id);
        throw new StudioError({
          code: 'too-large',
          file: f.name,
          what: `more bytes than the announced ${f.size}`,
          hint: 'The file changed while uploading; drop it again',
        });
      }
      await appendFile(f.part, bytes);
      f.received += bytes.length;
      s.received += bytes.length;
      if (f.received === f.size) await rename(f.part, f.final);
      return s;
    },

    finish(id) {
      const s = session(id);
      const missing = s.files.find((f) => f.received !== f.size);
      if (missing) {
        throw new StudioError({
          code: 'bad-input',
          file: missing.name,
          what: `only ${missing.received} of ${missing.size} bytes arrived`,
          hint: 'Drop the files again',
        });
      }
      sessions.delete(id);
      return s;
    },

    abort: drop,

    dispose() {
      sessions.clear();
      cleanup();
      process.off('exit', cleanup);
    },
  };
}
