/**
 * The import table of ARCHITECTURE.md is a lint rule (eslint.config.js, `npm run lint` over every file).
 * This test checks that the lint config really catches each kind of violation the table forbids and
 * lets through what it allows, so a config change cannot silently switch the boundaries off.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

/** The boundary messages ESLint gives `code` placed at `file` (a path relative to the repo). */
async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const used = 1;\n`, { filePath: file });
  return result.messages
    .filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'import-x/no-restricted-paths')
    .map((m) => m.message);
}

describe('import layers (ARCHITECTURE.md) as a lint rule', () => {
  const forbidden: [string, string, RegExp][] = [
    ['src/renderer/App.tsx', "import 'electron';", /renderer must not import electron/],
    ['src/renderer/App.tsx', "import { readFileSync } from 'node:fs';", /renderer must not import Node built-ins/],
    ['src/renderer/App.tsx', "import { forkWorker } from '../node/workers';", /renderer must not import node/],
    ['src/renderer/App.tsx', "import { createServiceHost } from '../main/services/index';", /renderer must not import services/],
    ['src/shared/model/x.ts', "import fs from 'fs';", /shared must not import Node built-ins/],
    ['src/shared/model/x.ts', "import { writeFileAtomic } from '../../node/fs/atomic.js';", /shared must not import node/],
    ['src/shared/model/x.ts', "import React from 'react';", /shared must not import DOM packages/],
    ['src/shared/model/x.ts', "import { WebSocket } from 'ws';", /shared must not import Node-only packages/],
    ['src/node/x.ts', "import 'electron';", /node must not import electron/],
    ['src/node/x.ts', "export { createServiceHost } from '../main/services';", /node must not import services/],
    ['src/worker/train.worker.ts', "const app = await import('../renderer/App');", /worker must not import renderer/],
    ['src/main/services/x.ts', "import { app } from 'electron';", /services must not import electron/],
    ['src/main/server/x.ts', "import { app } from 'electron';", /server must not import electron/],
    ['src/main/cli/x.ts', "import { app } from 'electron';", /cli must not import electron/],
    ['src/preload/index.ts', "import { z } from 'zod';", /preload must not import npm packages/],
    ['src/preload/index.ts', "import { defaultModelConfig } from '../shared/model/config';", /preload may only import src\/shared\/api/],
  ];
  it.each(forbidden)('%s: %s is an error', async (file, code, why) => {
    const errors = await boundaryErrors(file, code);
    expect(
      errors.some((e) => why.test(e)),
      errors.join('\n'),
    ).toBe(true);
  });

  const allowed: [string, string][] = [
    ['src/main/electron/app.ts', "import { app } from 'electron';"],
    ['src/main/index.ts', "import { app } from 'electron';"],
    ['src/preload/index.ts', "import { ipcRenderer } from 'electron';"],
    ['src/preload/index.ts', "import { CHANNELS } from '../shared/api/channels';"],
    ['src/renderer/App.tsx', "import { CONTRACT } from '../shared/api/contract';"],
    ['src/node/compute/backend.ts', "import { StudioError } from '../../shared/errors';"],
    ['src/worker/a.worker.ts', "import { initBackend } from '../node/compute/backend';"],
    ['src/main/cli/x.ts', "import { startServer } from '../server';"],
  ];
  it.each(allowed)('%s: %s is allowed', async (file, code) => {
    expect(await boundaryErrors(file, code)).toEqual([]);
  });
});
