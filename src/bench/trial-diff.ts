import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, realpathSync, writeFileSync } from "node:fs";
import { join, sep } from "node:path";
import { writePatch } from "../agent/patch.ts";
import { copyWorkspace, diffManifests, dropIgnored, takeManifest } from "../agent/workspace.ts";
import type { TrialEnvironment } from "./trial-environment.ts";

/**
 * What the agent changed in the task's WORKDIR, as `agent/diff.patch` in the trial folder (the report and the viewer
 * link it). The WORKDIR is copied aside just before the agent phase and compared with what the agent left, before
 * the verifier runs (its caches are not the agent's work), with the review's git diff (src/agent/patch.ts: no
 * configuration or attributes from anywhere, large binaries summarised).
 *
 * The image root is written by sandboxed code that runs as root in its own user namespace, so the host path is
 * trusted only while it resolves inside the trial's image root: a WORKDIR the agent replaced with a link (to a host
 * folder, say) yields a note, never a diff of what the link points at. A WORKDIR larger than the caps is not copied
 * (a note says so); the local environment only — under `--env docker` the WORKDIR is inside the container.
 */
export interface WorkdirSnapshot {
  /** The WORKDIR as the host sees it, in the trial's image root. */
  readonly host?: string;
  /** The copy taken before the agent phase. */
  readonly base?: string;
  /** Why there is no diff. */
  readonly note?: string;
}

export const DIFF_CAPS = { bytes: 256 * 2 ** 20, files: 50_000 };

/** The WORKDIR's host path when it is a real folder inside the image root (scratchDir/fs), else undefined. */
function hostWorkdir(env: TrialEnvironment, scratchDir: string): string | undefined {
  if (env.kind !== "local") return undefined;
  const root = join(scratchDir, "fs");
  const host = join(root, env.workdir);
  try {
    if (!lstatSync(host).isDirectory()) return undefined;
    const real = realpathSync(host);
    return real === realpathSync(root) || real.startsWith(realpathSync(root) + sep) ? real : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `dir` stays under the caps (stops counting as soon as it does not). Links are not followed. */
function withinCaps(dir: string): boolean {
  let bytes = 0;
  let files = 0;
  const walk = (d: string): boolean => {
    for (const ent of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, ent.name);
      if (ent.isDirectory()) {
        if (!walk(full)) return false;
        continue;
      }
      files++;
      if (ent.isFile()) bytes += lstatSync(full).size;
      if (files > DIFF_CAPS.files || bytes > DIFF_CAPS.bytes) return false;
    }
    return true;
  };
  return walk(dir);
}

/**
 * Copy the WORKDIR aside to `base` (default `scratchDir/diff-base`). The trial passes a folder beside its scratch:
 * the scratch is the trial's disk quota (task.toml storage_mb, trial-disk.ts) and the copy is Switchyard's, not the
 * task's — it must not use up the space the agent has, as nothing of the kind exists in Harbor's container.
 */
export async function snapshotWorkdir(
  env: TrialEnvironment,
  scratchDir: string,
  base = join(scratchDir, "diff-base"),
): Promise<WorkdirSnapshot> {
  if (env.kind !== "local") return { note: "no diff under --env docker: the WORKDIR is inside the container" };
  const host = hostWorkdir(env, scratchDir);
  if (!host) return { note: `no diff: the WORKDIR ${env.workdir} is not a folder of the trial's image root` };
  if (!withinCaps(host)) {
    return {
      note: `no diff: the WORKDIR ${env.workdir} has more than ${DIFF_CAPS.files} files or ${DIFF_CAPS.bytes / 2 ** 20} MiB`,
    };
  }
  await copyWorkspace(host, base);
  return { host, base };
}

/** Write the agent's diff to `file` (scratch); a snapshot without a base writes its note as the file's only line. */
export async function writeWorkdirDiff(
  snap: WorkdirSnapshot,
  env: TrialEnvironment,
  scratchDir: string,
  file: string,
): Promise<void> {
  const note = (text: string) => writeFileSync(file, `# ${text}\n`);
  if (!snap.base || !snap.host) return note(snap.note ?? "no diff");
  // Re-resolve: the agent may have replaced the WORKDIR (or a parent) with a link since the snapshot.
  const host = hostWorkdir(env, scratchDir);
  if (host !== snap.host) return note(`no diff: the agent replaced the WORKDIR ${env.workdir} (now a link or gone)`);
  const changes = dropIgnored(host, diffManifests(takeManifest(snap.base), takeManifest(host)));
  await writePatch(snap.base, host, changes, file);
}

/** Put the diff in the trial folder (after the logs were collected, so nothing the agent wrote replaces it). */
export function placeWorkdirDiff(scratchFile: string, trialDir: string): void {
  if (!existsSync(scratchFile)) return;
  mkdirSync(join(trialDir, "agent"), { recursive: true });
  copyFileSync(scratchFile, join(trialDir, "agent", "diff.patch"));
}
