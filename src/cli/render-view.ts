import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { loadConfig } from "../core/config.ts";
import { ConfigError } from "../core/errors.ts";
import { isPostgresUrl, maskUrl, storeLocation } from "../ledger/trial-store.ts";
import { startView } from "../view/server.ts";

/** `switchyard view`: check the input, start the server, print its URL, serve until Ctrl-C. */
export async function viewCommand(
  paths: string[],
  flags: { store?: string; db?: string; port: string; host: string },
): Promise<number> {
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`--port ${flags.port}: must be a whole number from 0 to 65535`, {
      field: "--port",
      hint: "use --port 8765, or --port 0 for any free port",
    });
  }
  const dirs = (paths.length ? paths : ["jobs"]).map((p) => resolve(p));
  const missing = dirs.filter((d) => !existsSync(d));
  if (missing.length) {
    throw new ConfigError(`no such folder: ${missing.join(", ")}`, {
      hint: "pass a job folder or a folder of jobs (switchyard bench writes them to ./jobs)",
    });
  }
  // The store the bench writes to: --store (or its old name --db) > SWITCHYARD_STORE > SWITCHYARD_RESULTS_DB >
  // `[results] store` > <project>/.switchyard/results.sqlite.
  const flag = flags.store ?? flags.db;
  const field = flags.store !== undefined ? "--store" : "--db";
  const location = storeLocation({
    ...(flag === undefined ? {} : { flag: isPostgresUrl(flag) ? flag : resolve(flag) }),
    project: process.cwd(),
    store: loadConfig().results.store,
  });
  if (flag !== undefined && !isPostgresUrl(location) && !existsSync(location)) {
    throw new ConfigError(`results store not found: ${location}`, { field, hint: `check the ${field} path` });
  }
  // An unreachable Postgres store fails here, in one line, before the viewer listens.
  if (isPostgresUrl(location)) await (await import("../view/store-tables.ts")).readStore(location);
  const view = await startView({ paths: dirs, store: location }, { host: flags.host, port });
  process.stderr.write(`switchyard view: ${view.url}  (read-only; store ${maskUrl(location)}; Ctrl-C to stop)\n`);
  await new Promise<void>((done) => {
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
  await view.close();
  return 0;
}
