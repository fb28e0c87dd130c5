import { rmSync } from "node:fs";
import { type attachQuotaDisk, createQuotaDisk, quotaUnavailable } from "../sandbox/disk-quota.ts";
import type { LocalEnvironment } from "./local-env.ts";
import { sizeToMb, type TaskConfig } from "./task-config.ts";

/** Harbor's default `[environment] storage_mb` (EnvironmentConfig in harbor-framework/harbor). */
export const DEFAULT_STORAGE_MB = 10240;

/** A task's disk quota: `storage_mb`, else the older `storage` string ("10G"), else Harbor's default. */
export function storageMbOf(config: TaskConfig): number {
  const env = config.environment;
  if (env.storage_mb !== undefined) return env.storage_mb;
  const fromString = env.storage === undefined ? undefined : sizeToMb(env.storage);
  return fromString ?? DEFAULT_STORAGE_MB;
}

/**
 * A local trial under its task's disk quota: the trial's scratch folder (its /app, /tmp, /root, logs, the agent's
 * run folder) is a loop-mounted ext4 of `storageMb` (src/sandbox/disk-quota.ts), so every phase — environment
 * build, agent, oracle, verifier — writes within it and a write past it fails with ENOSPC, as a container's
 * writable layer of that size would. The trial is ephemeral: dispose unmounts and deletes the image. Where a
 * quota cannot be enforced (not root, no loop devices) the environment is returned as it is, with a note.
 */
export function withTrialDisk(make: () => LocalEnvironment, scratchDir: string, storageMb: number): LocalEnvironment {
  const reason = quotaUnavailable();
  if (reason) {
    const env = make();
    env.fidelity.notes.push(`storage_mb ${storageMb} not enforced: ${reason}`);
    return env;
  }
  const image = `${scratchDir}.disk.img`;
  let disk: ReturnType<typeof attachQuotaDisk>;
  try {
    disk = createQuotaDisk({ image, mountpoint: scratchDir, sizeMb: storageMb });
  } catch (err) {
    rmSync(image, { force: true });
    const env = make();
    env.fidelity.notes.push(`storage_mb ${storageMb} not enforced: ${(err as Error).message.split("\n")[0]}`);
    return env;
  }
  const env = make();
  const dispose = env.dispose;
  return {
    ...env,
    dispose: () => {
      disk.release();
      dispose();
    },
  };
}
