/**
 * `--k8s`: Kubernetes manifests for the plan: a PersistentVolumeClaim (ReadWriteMany) that holds
 * the experiment folder, an Indexed Job whose completion index becomes `--cell`, and a collect
 * Job to apply once the cells' Job has finished (Kubernetes has no job dependencies: the printed
 * `kubectl wait` does that).
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { GPU_BACKENDS } from '../../shared/backend';
import { StudioError } from '../../shared/errors';
import type { Plan } from '../../shared/experiment/cells';
import { writeFileAtomic } from '../fs/atomic';
import type { ExperimentPaths } from './state';

export interface K8sOptions {
  /** Container image with var-studio installed (its entry point is not used: the command is explicit). */
  image: string;
  /** The command that starts var-studio inside the image. */
  command: string[];
  /** Existing claim to use; default: the manifest creates `<name>-data`. */
  pvc?: string;
  /** Size of the claim the manifest creates; default 20Gi. */
  storage?: string;
  storageClass?: string;
  /** Where the claim is mounted in the pods; the experiment folder is `<mount>/<folder name>`. */
  mountPath?: string;
  gpusPerCell?: number;
  cpusPerCell?: number;
  /** Kubernetes quantity, default 4Gi. */
  memPerCell?: string;
  /** Pods at once; default every cell. */
  parallelism?: number;
  namespace?: string;
}

export interface K8sManifests {
  claim?: Record<string, unknown>;
  cells: Record<string, unknown>;
  collect: Record<string, unknown>;
  /** The folder inside the pods. */
  podOut: string;
}

const dns = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40) || 'experiment';

export function k8sManifests(plan: Plan, paths: ExperimentPaths, opts: K8sOptions): K8sManifests {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(opts.pvc ?? 'x'))
    throw new StudioError({
      code: 'bad-input',
      what: `--pvc "${opts.pvc}" is not a valid claim name`,
      hint: 'Use lower-case letters, digits and -',
    });
  const name = `var-studio-${dns(plan.name)}`;
  const claimName = opts.pvc ?? `${name}-data`;
  const mountPath = opts.mountPath ?? '/var-studio';
  const podOut = path.posix.join(mountPath, path.basename(paths.out));
  const gpus = opts.gpusPerCell ?? ((GPU_BACKENDS as readonly string[]).includes(plan.config.backend) ? 1 : 0);
  const cpus = opts.cpusPerCell ?? Math.max(1, plan.config.workers);
  const memory = opts.memPerCell ?? '4Gi';
  const labels = { 'app.kubernetes.io/name': 'var-studio', 'app.kubernetes.io/instance': name };
  const meta = (n: string) => ({ name: n, ...(opts.namespace ? { namespace: opts.namespace } : {}), labels });
  const volume = { name: 'experiment', persistentVolumeClaim: { claimName } };
  const mount = { name: 'experiment', mountPath };
  const pod = (container: Record<string, unknown>) => ({
    metadata: { labels },
    spec: { restartPolicy: 'Never', containers: [{ image: opts.image, volumeMounts: [mount], ...container }], volumes: [volume] },
  });
  const cells = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta(`${name}-cells`),
    spec: {
      completionMode: 'Indexed',
      completions: plan.cells.length,
      parallelism: Math.min(plan.cells.length, opts.parallelism ?? plan.cells.length),
      // A cell that failed is retried (it resumes from its checkpoint); the others are unaffected.
      backoffLimitPerIndex: 2,
      maxFailedIndexes: plan.cells.length,
      template: pod({
        name: 'cell',
        // The Job controller sets JOB_COMPLETION_INDEX in every pod; $(VAR) is expanded by Kubernetes.
        command: [...opts.command, 'experiment', '--out', podOut, '--cell', '$(JOB_COMPLETION_INDEX)'],
        resources: {
          requests: { cpu: String(cpus), memory },
          limits: { cpu: String(cpus), memory, ...(gpus > 0 ? { 'nvidia.com/gpu': String(gpus) } : {}) },
        },
      }),
    },
  };
  const collect = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta(`${name}-collect`),
    spec: {
      completions: 1,
      backoffLimit: 1,
      template: pod({
        name: 'collect',
        command: [...opts.command, 'experiment', '--out', podOut, '--collect'],
        resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '1', memory: '2Gi' } },
      }),
    },
  };
  const claim = opts.pvc
    ? undefined
    : {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: meta(claimName),
        spec: {
          // Every cell's pod writes its own files into the folder at once: the volume must be shared.
          accessModes: ['ReadWriteMany'],
          ...(opts.storageClass ? { storageClassName: opts.storageClass } : {}),
          resources: { requests: { storage: opts.storage ?? '20Gi' } },
        },
      };
  return { ...(claim ? { claim } : {}), cells, collect, podOut };
}

export interface K8sFiles {
  files: string[];
  commands: string[];
  podOut: string;
}

export async function writeK8sFiles(plan: Plan, paths: ExperimentPaths, opts: K8sOptions): Promise<K8sFiles> {
  const m = k8sManifests(plan, paths, opts);
  const dir = path.join(paths.out, 'k8s');
  await fsp.mkdir(dir, { recursive: true });
  const doc = (o: Record<string, unknown>) =>
    `# Written by var-studio experiment --k8s for "${plan.name}".\n${stringify(o, { aliasDuplicateObjects: false })}`;
  const files: string[] = [];
  const put = async (file: string, o: Record<string, unknown>) => {
    const p = path.join(dir, file);
    await writeFileAtomic(p, doc(o), { overwrite: true });
    files.push(p);
    return p;
  };
  const claim = m.claim ? await put('claim.yaml', m.claim) : undefined;
  const cells = await put('cells.yaml', m.cells);
  const collect = await put('collect.yaml', m.collect);
  const ns = opts.namespace ? ` -n ${opts.namespace}` : '';
  const jobName = (m.cells.metadata as { name: string }).name;
  return {
    files,
    podOut: m.podOut,
    commands: [
      ...(claim ? [`kubectl apply${ns} -f ${claim}`] : []),
      `# copy ${paths.out} (its experiment.json) to ${m.podOut} on the claim, then:`,
      `kubectl apply${ns} -f ${cells}`,
      `kubectl wait${ns} --for=condition=complete --timeout=-1s job/${jobName}`,
      `# (a Job with failed cells ends Failed instead: apply the collect Job anyway, it lists them)`,
      `kubectl apply${ns} -f ${collect}`,
    ],
  };
}
