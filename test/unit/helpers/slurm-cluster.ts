/**
 * A one-node Slurm cluster for tests (Debian's slurm-wlm + munge, installed by .ci/run): munged,
 * slurmctld and slurmd started as root in the foreground from a private folder (own munge key and
 * socket, own ports, own state), so nothing system-wide is touched, and stopped by the pids we
 * started. Every command gets SLURM_CONF through `env`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

const BINARIES = ['/usr/sbin/munged', '/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/bin/sbatch', '/usr/bin/squeue', '/usr/bin/sinfo'];

/** Why a cluster cannot start here, or undefined when it can be tried. */
export function slurmUnavailable(): string | undefined {
  const missing = BINARIES.filter((b) => !existsSync(b));
  if (missing.length) return `missing ${missing.join(', ')} (apt-get install slurm-wlm munge)`;
  if (process.getuid?.() !== 0) return 'the daemons must be started as root';
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface SlurmCluster {
  dir: string;
  env: NodeJS.ProcessEnv;
  /** Runs a Slurm client command (sbatch, squeue, ...) against this cluster. */
  run(cmd: string, args: string[]): { status: number | null; stdout: string; stderr: string };
  /** Waits until no job of the cluster is queued or running. */
  drain(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startSlurmCluster(): Promise<SlurmCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'vs-slurm-'));
  for (const d of ['state', 'spool', 'log']) mkdirSync(join(dir, d));
  const key = join(dir, 'munge.key');
  writeFileSync(key, randomBytes(1024));
  chmodSync(key, 0o400);
  const socket = join(dir, 'munge.sock');
  const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
  const memoryMb = Math.floor((totalmem() / 2 ** 20) * 0.8);
  const conf = join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=varstudiotest',
      'SlurmctldHost=localhost',
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      'SlurmUser=root',
      'SlurmdUser=root',
      'AuthType=auth/munge',
      `AuthInfo=socket=${socket}`,
      'CryptoType=crypto/munge',
      `StateSaveLocation=${dir}/state`,
      `SlurmdSpoolDir=${dir}/spool`,
      `SlurmctldPidFile=${dir}/slurmctld.pid`,
      `SlurmdPidFile=${dir}/slurmd.pid`,
      `SlurmctldLogFile=${dir}/log/slurmctld.log`,
      `SlurmdLogFile=${dir}/log/slurmd.log`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_CPU',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'MpiDefault=none',
      'ReturnToService=2',
      `NodeName=localhost CPUs=2 RealMemory=${memoryMb} State=UNKNOWN`,
      'PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SLURM_CONF: conf };
  const daemons: ChildProcess[] = [];
  const start = (cmd: string, args: string[], log: string) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    p.stdout!.on('data', (b: Buffer) => chunks.push(b));
    p.stderr!.on('data', (b: Buffer) => chunks.push(b));
    p.on('exit', () => writeFileSync(join(dir, 'log', log), Buffer.concat(chunks)));
    daemons.push(p);
    return p;
  };
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { env, encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  const stop = async () => {
    // Newest first: slurmd, slurmctld, then munged.
    for (const p of [...daemons].reverse()) {
      if (p.exitCode !== null || p.signalCode !== null) continue;
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await Promise.race([gone, sleep(10_000)]);
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    start(
      '/usr/sbin/munged',
      [
        '-F',
        '-f',
        `--socket=${socket}`,
        `--key-file=${key}`,
        `--pid-file=${dir}/munged.pid`,
        `--log-file=${dir}/log/munged.log`,
        `--seed-file=${dir}/munge.seed`,
      ],
      'munged.out',
    );
    for (let i = 0; i < 50 && !existsSync(socket); i++) await sleep(100);
    if (!existsSync(socket)) throw new Error('munged did not create its socket');
    start('/usr/sbin/slurmctld', ['-D', '-i', '-f', conf], 'slurmctld.out');
    await sleep(1000);
    start('/usr/sbin/slurmd', ['-D', '-N', 'localhost', '-f', conf], 'slurmd.out');
    let state = '';
    for (let i = 0; i < 60; i++) {
      state = run('/usr/bin/sinfo', ['-h', '-o', '%T']).stdout.trim();
      if (state === 'idle') break;
      await sleep(500);
    }
    if (state !== 'idle') {
      const log = (f: string) =>
        existsSync(join(dir, 'log', f))
          ? readFileSync(join(dir, 'log', f), 'utf8')
              .split('\n')
              .slice(-8)
              .join('\n')
          : '';
      throw new Error(`the Slurm node did not become idle (state "${state}")\n${log('slurmctld.log')}\n${log('slurmd.log')}`);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    dir,
    env,
    run,
    stop,
    drain: async (timeoutMs: number) => {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        const q = run('/usr/bin/squeue', ['-h', '-o', '%i %T']);
        if (q.status === 0 && q.stdout.trim() === '') return;
        await sleep(1000);
      }
      throw new Error(`Slurm jobs still queued after ${timeoutMs / 1000} s: ${run('/usr/bin/squeue', []).stdout}`);
    },
  };
}
