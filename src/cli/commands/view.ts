import type { RegisterCommand } from "./index.ts";

/** `switchyard view`: the local, read-only web viewer over job folders and the results store. */
export const registerView: RegisterCommand = (program, setExit) => {
  program
    .command("view")
    .description("browse jobs, compare agents, read trial conversations in a local web app (read-only)")
    .argument("[paths...]", "job folders, or folders of jobs (default: ./jobs)")
    .option(
      "--store <path|url>",
      "results store: a SQLite file or a postgres:// URL (default: $SWITCHYARD_STORE, then the one bench writes to)",
    )
    .option("--db <file>", "the results store's SQLite file (the older name of --store)")
    .option("--port <n>", "port to listen on (0 = any free port)", "8765")
    .option("--host <addr>", "address to listen on", "127.0.0.1")
    .action(async (paths: string[], flags: { store?: string; db?: string; port: string; host: string }) => {
      const { viewCommand } = await import("../render-view.ts");
      setExit(await viewCommand(paths, flags));
    });
};
