import { Command, CommanderError } from "commander";
import { EXIT, SwitchyardError } from "../core/errors.ts";
import { installOutputRedaction } from "../core/redact.ts";
import { styleErrors } from "./cli-errors.ts";
import { COMMANDS } from "./commands/index.ts";

/**
 * The CLI: flag parsing and rendering only. Each command module registers its flags and, in its action,
 * imports the heavy modules it needs, so `switchyard <cmd> --help` stays fast.
 * Returns the process exit code (see core/errors.ts EXIT).
 */
export async function main(argv: string[]): Promise<number> {
  // Every byte printed goes through the one redactor (a model repeating a key in its answer, a provider error).
  installOutputRedaction();
  const program = new Command("switchyard")
    .description("Provider-neutral coding agent, Terminal-Bench-compatible evaluation, cost ledger and router.")
    .version(await readVersion(), "-V, --version");

  let code = 0;
  for (const register of COMMANDS) {
    register(program, (c) => {
      code = c;
    });
  }
  styleErrors(program, (s) => process.stderr.write(s));

  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (err) {
    return reportError(err);
  }
}

export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander already printed its message (in our style: cli-errors.ts)
    if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") {
      return EXIT.done;
    }
    return EXIT.usage;
  }
  if (err instanceof SwitchyardError) {
    process.stderr.write(`switchyard: ${err.message}\n`);
    if (err.hint) process.stderr.write(`  fix: ${err.hint}\n`);
    if (process.env.SWITCHYARD_DEBUG && err.stack) process.stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  const e = err as Error;
  process.stderr.write(`switchyard: internal error: ${e?.message ?? String(err)}\n`);
  if (process.env.SWITCHYARD_DEBUG && e?.stack) process.stderr.write(`${e.stack}\n`);
  else process.stderr.write("  (set SWITCHYARD_DEBUG=1 for a stack trace, and please report it)\n");
  return EXIT.internal;
}

async function readVersion(): Promise<string> {
  const { readFileSync } = await import("node:fs");
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}
