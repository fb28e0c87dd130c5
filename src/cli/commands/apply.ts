import type { RegisterCommand } from "./index.ts";

export const registerApply: RegisterCommand = (program, setExit) => {
  program
    .command("apply")
    .description("copy a run's changes into the workspace (refuses if the same files changed meanwhile)")
    .argument("<run-id>", "the run whose changes to apply")
    .option("--workspace <dir>", "the project directory (default: current directory)")
    .option("--strict", "refuse when a change is outside the task's scope (e.g. written through bash)")
    .action(async (runId: string, flags: { workspace?: string; strict?: boolean }) => {
      const { checkWorkspace } = await import("../../agent/session.ts");
      const { applyRun } = await import("../../agent/review.ts");
      const workspace = checkWorkspace(flags.workspace ?? process.cwd());
      const changes = applyRun(workspace, runId, { strict: Boolean(flags.strict) });
      for (const c of changes) {
        const scope = c.outOfScope ? "  (outside the task's scope)" : "";
        process.stderr.write(`  ${c.kind === "added" ? "A" : c.kind === "deleted" ? "D" : "M"} ${c.path}${scope}\n`);
      }
      process.stderr.write(
        changes.length
          ? `switchyard: applied ${changes.length} change(s) from run ${runId}\n`
          : `switchyard: run ${runId} changed nothing; nothing was applied\n`,
      );
      setExit(0);
    });
};
