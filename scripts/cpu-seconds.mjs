/**
 * Development measurement (docs/cells.md): CPU seconds of every studio process of a command and
 * of each process's threads, written at each process's exit as one JSON line to CPU_SECONDS_OUT.
 * Child processes inherit NODE_OPTIONS, so one command covers the whole process tree:
 *
 *   CPU_SECONDS_OUT=/tmp/cpu.jsonl NODE_OPTIONS="--import ./scripts/cpu-seconds.mjs" \
 *     node bin/var-studio.mjs experiment --config docs/configs/two-cells.json --out /tmp/x --jobs 1
 *
 * "main" is the process's main thread; the other threads (V8's GC and compiler threads, the libuv
 * thread pool) are summed by name. Threads that ended before the process (worker threads) count
 * only in the process total. Linux only (/proc).
 */
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';

const out = process.env.CPU_SECONDS_OUT;
const started = Date.now();
const ticks = 100; // USER_HZ on Linux

function stat(file) {
  const s = readFileSync(file, 'utf8');
  const fields = s.slice(s.lastIndexOf(')') + 2).split(' ');
  // After the command name: state, ppid, ..., utime (field 14 of stat(5)), stime (15).
  return {
    name: s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')),
    ppid: Number(fields[1]),
    cpu: (Number(fields[11]) + Number(fields[12])) / ticks,
  };
}

if (out) {
  process.on('exit', () => {
    const threads = {};
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const t = stat(`/proc/self/task/${tid}/stat`);
        const key = Number(tid) === process.pid ? 'main' : t.name;
        threads[key] = Number(((threads[key] ?? 0) + t.cpu).toFixed(2));
      } catch {
        // the thread ended meanwhile
      }
    }
    const { user, system } = process.cpuUsage();
    const line = {
      pid: process.pid,
      ppid: stat('/proc/self/stat').ppid,
      script: process.argv[1] ?? '',
      userSeconds: user / 1e6,
      systemSeconds: system / 1e6,
      wallSeconds: (Date.now() - started) / 1000,
      threads,
    };
    appendFileSync(out, `${JSON.stringify(line)}\n`);
  });
}
