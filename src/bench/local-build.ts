import { join } from "node:path";
import { BuildContextError, loadBuildContext } from "./build-context.ts";
import type { Mount, RunResult } from "./bwrap-run.ts";
import { planCopy, STAGE_INSIDE } from "./copy-step.ts";
import { BASE_ENV, copyDestination, type DockerPlan, type DockerStep } from "./dockerfile.ts";
import { imagePrograms, missingPrograms } from "./offline-explain.ts";
import { EnvironmentSetupError } from "./trial-environment.ts";

/**
 * The Dockerfile's steps run in order in the trial's image root, as `docker build` runs them:
 * - WORKDIR creates its folder (owned by the USER of the moment); COPY/ADD run as root (copy-step.ts);
 * - RUN runs its argv (SHELL + command, or the exec form) as the USER of the moment — root unless USER said
 *   otherwise — in its WORKDIR, with the ENV and ARG values of that point;
 * - a step that fails fails the build (EnvironmentSetupError, the trial is not scored), as a failed `docker build`
 *   does, except where the local stand-in is the likely cause: a step after one skipped for lack of network (the
 *   skipped step may have installed what it needed), or a write to the host's read-only system folders. Those stay
 *   reduced fidelity with a note.
 * Steps that need the network (package installs, downloads, ADD of a URL) are skipped and listed.
 */

export interface BuildRunner {
  run(o: {
    argv: string[];
    cwd: string;
    env: Record<string, string>;
    user: string;
    mounts?: Mount[];
    timeoutMs?: number;
  }): Promise<RunResult>;
  /** Is this path inside the host's read-only system folders (not writable in the trial)? */
  readOnly(path: string): boolean;
  /**
   * Make a root-owned folder in the trial's root from the host — only called before anything has run in the
   * sandbox, while no link there can redirect it (saves a sandbox start for a leading `WORKDIR /app`).
   */
  hostMkdir(path: string): void;
  reduce(note: string): void;
  skipped: string[];
}

export async function buildEnvironment(
  plan: DockerPlan,
  o: { contextDir: string; dockerfile: string; stageDir: string; timeoutMs?: number; runner: BuildRunner },
): Promise<void> {
  const { runner } = o;
  const [refused] = plan.errors;
  if (refused) throw new EnvironmentSetupError(`${o.dockerfile} ${refused} (docker build refuses this Dockerfile)`);
  const ctx = loadBuildContext(o.contextDir);
  const started = Date.now();
  let offlineGap = false;
  const left = () => (o.timeoutMs === undefined ? undefined : Math.max(1, o.timeoutMs - (Date.now() - started)));
  const where = (step: DockerStep) => `${o.dockerfile} line ${step.line}`;
  const exec = async (step: DockerStep, argv: string[], user: string, mounts: Mount[] = []) => {
    const timeoutMs = left();
    const r = await runner.run({
      argv,
      cwd: step.kind === "workdir" ? "/" : step.workdir,
      env: { ...BASE_ENV, ...step.env },
      user,
      mounts,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
    if (r.timedOut) throw new EnvironmentSetupError(`${where(step)}: timed out (environment.build_timeout_sec)`);
    return r;
  };
  let sandboxUsed = false;
  for (const [index, step] of plan.steps.entries()) {
    if (step.kind === "workdir" && !sandboxUsed && step.user === "") {
      if (!runner.readOnly(step.path)) runner.hostMkdir(step.path);
      continue;
    }
    sandboxUsed ||= !(step.kind === "run" && step.needsNetwork);
    if (step.kind === "workdir") {
      const r = await exec(step, ["/bin/sh", "-c", MKDIR_AS_USER, "sh", step.path, step.user], "0");
      if (r.exitCode !== 0) failed(step, `WORKDIR ${step.path}`, r);
      continue;
    }
    if (step.kind === "run") {
      if (step.needsNetwork) {
        // Whole (up to 2000 characters): the offline explanations look in it for what it would have installed.
        runner.skipped.push(`line ${step.line}: RUN ${step.command.slice(0, 2000)}`);
        runner.reduce(`Dockerfile line ${step.line}: RUN ${oneLine(step.command, 80)} skipped: needs network/image`);
        offlineGap = true;
        continue;
      }
      const r = await exec(step, step.argv, step.user || "0");
      if (r.exitCode === 0) continue;
      const tail = tailOf(r.output);
      if (offlineGap) {
        runner.reduce(
          `Dockerfile line ${step.line}: RUN failed locally (exit ${r.exitCode}) after a step skipped for lack of network: ${tail}`,
        );
      } else if (/Read-only file system/.test(r.output)) {
        runner.reduce(
          `Dockerfile line ${step.line}: RUN writes a host system folder, read-only locally (exit ${r.exitCode}): ${tail}`,
        );
      } else {
        failed(step, `RUN ${oneLine(step.command, 80)}`, r);
      }
      continue;
    }
    const what =
      step.kind === "file" ? `COPY <<heredoc ${step.dest}` : `${step.op} ${step.sources.join(" ")} ${step.dest}`;
    const dest = copyDestination(step);
    if (runner.readOnly(dest.isDir || step.kind === "file" ? dest.path : dest.path.replace(/\/[^/]*$/, "") || "/")) {
      runner.reduce(`Dockerfile line ${step.line}: ${what} skipped: host system folders are read-only locally`);
      continue;
    }
    let copy: ReturnType<typeof planCopy>;
    try {
      copy = planCopy(step, ctx, join(o.stageDir, String(index)));
    } catch (err) {
      if (err instanceof BuildContextError) throw new EnvironmentSetupError(`${where(step)}: ${what}: ${err.message}`);
      throw err;
    }
    if (copy.remote.length) {
      runner.skipped.push(`line ${step.line}: ADD ${copy.remote.join(" ")}`);
      runner.reduce(
        `Dockerfile line ${step.line}: ADD from a URL skipped: needs network/image (${copy.remote.join(" ")})`,
      );
      offlineGap = true;
    }
    const r = await exec(step, ["/bin/sh", "-c", copy.script], "0", [
      { host: join(o.stageDir, String(index)), inside: STAGE_INSIDE, mode: "ro" },
    ]);
    if (r.exitCode !== 0) {
      if (offlineGap) runner.reduce(`Dockerfile line ${step.line}: ${what} failed locally: ${tailOf(r.output)}`);
      else failed(step, what, r);
    }
  }

  function failed(step: DockerStep, what: string, r: RunResult): never {
    throw new EnvironmentSetupError(
      `${where(step)}: ${what} did not complete successfully: exit code: ${r.exitCode}: ${tailOf(r.output)}${fromImage(r.output)}`,
    );
  }

  /** A program the base image provides but the host lacks (`go` in FROM golang): say that the image is why. */
  function fromImage(output: string): string {
    const tools = plan.from ? imagePrograms(plan.from) : [];
    const missing = missingPrograms(output).find((p) => tools.includes(p.split("/").pop() ?? p));
    return missing ? ` (${missing} comes with the base image ${plan.from}, which is not built locally)` : "";
  }
}

/** `sh -c MKDIR_AS_USER sh PATH USER`: mkdir -p PATH, new folders owned by USER (root when empty), as BuildKit does. */
const MKDIR_AS_USER = `p=; own=
if [ -n "$2" ]; then own="$(id -u "\${2%%:*}"):$(id -g "\${2%%:*}")" || own="\${2%%:*}:0"; fi
old_ifs=$IFS; IFS=/; set -f
for c in $1; do
  [ -n "$c" ] || continue; p="$p/$c"
  if [ ! -e "$p" ]; then mkdir "$p" || exit 1; [ -z "$own" ] || chown "$own" "$p"; fi
done`;

function tailOf(output: string): string {
  return output.trim().split("\n").slice(-3).join(" | ").slice(0, 300);
}

/** A command as one short line for a note: whitespace folded, clipped with an ellipsis. */
export function oneLine(command: string, max: number): string {
  const flat = command.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
