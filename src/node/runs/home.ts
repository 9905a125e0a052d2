/**
 * Where the studio keeps its runs: `$VAR_STUDIO_HOME` when set; in Electron the app's userData
 * folder (the shell sets VAR_STUDIO_HOME to it at start); elsewhere the platform's data folder
 * (Linux `$XDG_DATA_HOME/var-studio`, default `~/.local/share/var-studio`; macOS
 * `~/Library/Application Support/var-studio`; Windows `%APPDATA%\var-studio`). Earlier versions
 * used `~/.var-studio`: while it holds runs and the new folder does not exist yet, it stays in use,
 * so existing runs remain readable (move it to the new folder to switch).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Overrides the studio home; runs live in `<home>/runs`. */
export const STUDIO_HOME_ENV = 'VAR_STUDIO_HOME';
export const LEGACY_HOME = '.var-studio';

export interface HomeContext {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  homedir: string;
  exists(p: string): boolean;
}

const realContext = (): HomeContext => ({ env: process.env, platform: process.platform, homedir: os.homedir(), exists: fs.existsSync });

export function platformDataDir(ctx: Pick<HomeContext, 'env' | 'platform' | 'homedir'>): string {
  const { env, platform, homedir } = ctx;
  if (platform === 'win32') return path.join(env.APPDATA || path.join(homedir, 'AppData', 'Roaming'), 'var-studio');
  if (platform === 'darwin') return path.join(homedir, 'Library', 'Application Support', 'var-studio');
  const xdg = env.XDG_DATA_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(homedir, '.local', 'share'), 'var-studio');
}

/** `appData`: the shell's own data folder (Electron's userData) instead of the platform default. */
export function studioHome(ctx: HomeContext = realContext(), appData?: string): string {
  const set = ctx.env[STUDIO_HOME_ENV];
  if (set) return path.resolve(set);
  const modern = appData ?? platformDataDir(ctx);
  const legacy = path.join(ctx.homedir, LEGACY_HOME);
  if (!ctx.exists(modern) && ctx.exists(path.join(legacy, 'runs'))) return legacy;
  return modern;
}
