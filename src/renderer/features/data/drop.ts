/**
 * What the user dropped: real paths in Electron (the preload's pathForFile), otherwise the files
 * themselves with their relative paths, folders walked through the File System entries API.
 */
export interface DroppedFile {
  /** Relative path inside the drop ("case1/slice_1.tif"). */
  name: string;
  file: File;
}

export type Dropped = { kind: 'paths'; paths: string[] } | { kind: 'files'; files: DroppedFile[] };

const MAX_FILES = 10_000;

function readAll(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  // readEntries returns at most ~100 entries per call: keep reading until it returns none.
  return new Promise((resolve, reject) => {
    const out: FileSystemEntry[] = [];
    const next = () =>
      reader.readEntries((batch) => {
        if (batch.length === 0) return resolve(out);
        out.push(...batch);
        if (out.length > MAX_FILES) return resolve(out);
        next();
      }, reject);
    next();
  });
}

async function walk(entry: FileSystemEntry, prefix: string, out: DroppedFile[]): Promise<void> {
  if (out.length > MAX_FILES || entry.name.startsWith('.')) return;
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ name: prefix + entry.name, file });
  } else if (entry.isDirectory) {
    for (const child of await readAll((entry as FileSystemDirectoryEntry).createReader()))
      await walk(child, `${prefix}${entry.name}/`, out);
  }
}

export async function readDrop(dt: DataTransfer): Promise<Dropped> {
  const bridge = window.varStudio;
  const files = [...dt.files];
  if (bridge?.pathForFile && files.length > 0) {
    const paths = files.map((f) => bridge.pathForFile(f));
    if (paths.every((p) => p)) return { kind: 'paths', paths };
  }
  const entries = [...dt.items].map((i) => i.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => !!e);
  if (entries.length === 0) return { kind: 'files', files: files.map((file) => ({ name: file.name, file })) };
  const out: DroppedFile[] = [];
  for (const e of entries) await walk(e, '', out);
  return { kind: 'files', files: out };
}
