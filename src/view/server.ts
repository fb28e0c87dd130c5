import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";
import { ConfigError, errorMessage, SwitchyardError } from "../core/errors.ts";
import { findJob, listJobs, loadTrials, trialFile, type ViewSources } from "./data.ts";
import { errorPage } from "./html.ts";
import { comparePage, crossTrialsPage, jobPage, jobsPage, storePage, type TrialFilter, trialPage } from "./pages.ts";
import { readStore } from "./store-tables.ts";

/**
 * `switchyard view`: a read-only web app over job folders and the results store (Hono on Node's http server).
 * Routes: `/` jobs; `/jobs/:job` (headline, task × agent matrix, filterable trials); `/jobs/:job/trials/:trial`
 * (the conversation, diff, verifier output); `/jobs/:job/trials/:trial/files/*` (a trial's raw files, confined to
 * its folder); `/compare` (agents across jobs); `/store` (the store's rows). Every error is a page saying what is
 * wrong and how to fix it, with a 4xx status; nothing is ever written.
 */
export function createViewApp(sources: ViewSources): Hono {
  const app = new Hono();
  const filterOf = (q: (k: string) => string | undefined): TrialFilter => ({
    ...(q("task") ? { task: q("task") } : {}),
    ...(q("category") ? { category: q("category") } : {}),
    ...(q("model") ? { model: q("model") } : {}),
    ...(q("outcome") ? { outcome: q("outcome") } : {}),
  });
  const readAll = () =>
    listJobs(sources).map((job) => {
      try {
        return { job, trials: loadTrials(job).trials };
      } catch (err) {
        return { job, error: errorMessage(err) };
      }
    });

  app.get("/", (c) => c.html(jobsPage(readAll())));
  app.get("/jobs/:job", (c) =>
    c.html(
      jobPage(
        findJob(sources, c.req.param("job")),
        filterOf((k) => c.req.query(k)),
      ),
    ),
  );
  app.get("/jobs/:job/trials/:trial", (c) => {
    const html = trialPage(findJob(sources, c.req.param("job")), c.req.param("trial"));
    if (!html)
      throw new ConfigError(`no trial "${c.req.param("trial")}" in job ${c.req.param("job")}`, {
        hint: "pick a trial from the job's table",
      });
    return c.html(html);
  });
  app.get("/jobs/:job/trials/:trial/files/*", (c) => {
    const job = findJob(sources, c.req.param("job"));
    const prefix = `/jobs/${encodeURIComponent(job.id)}/trials/${encodeURIComponent(c.req.param("trial"))}/files/`;
    const rel = decodeURIComponent(new URL(c.req.url).pathname.slice(prefix.length));
    const file = trialFile(job, c.req.param("trial"), rel);
    if (!file)
      throw new ConfigError(`no file "${rel}" in trial ${c.req.param("trial")}`, {
        hint: "the trial did not write it",
      });
    return c.body(readFileSync(file, "utf8"), 200, { "content-type": "text/plain; charset=utf-8" });
  });
  app.get("/compare", (c) => {
    const all = readAll().filter(
      (j): j is { job: (typeof j)["job"]; trials: NonNullable<(typeof j)["trials"]> } => !!j.trials,
    );
    return c.html(
      comparePage(
        sources,
        all,
        filterOf((k) => c.req.query(k)),
      ),
    );
  });
  app.get("/compare/trials", (c) => {
    const all = readAll().filter(
      (j): j is { job: (typeof j)["job"]; trials: NonNullable<(typeof j)["trials"]> } => !!j.trials,
    );
    return c.html(
      crossTrialsPage(
        all,
        filterOf((k) => c.req.query(k)),
      ),
    );
  });
  app.get("/store", async (c) => c.html(storePage(sources.store, await readStore(sources.store))));
  app.notFound((c) =>
    c.html(errorPage(`no page at ${new URL(c.req.url).pathname}`, "start from the jobs list at /"), 404),
  );
  app.onError((err, c) => {
    const known = err instanceof SwitchyardError;
    const hint = known ? err.hint : "set SWITCHYARD_DEBUG=1 for a stack trace on the terminal, and please report it";
    if (!known || process.env.SWITCHYARD_DEBUG) process.stderr.write(`switchyard view: ${err.stack ?? err.message}\n`);
    return c.html(errorPage(err.message, hint), known ? 404 : 500);
  });
  return app;
}

export interface RunningView {
  url: string;
  close(): Promise<void>;
}

/** Listen on host:port (127.0.0.1 by default; port 0 = any free port). */
export async function startView(
  sources: ViewSources,
  opts: { host?: string; port?: number } = {},
): Promise<RunningView> {
  const app = createViewApp(sources);
  const server = createServer(getRequestListener(app.fetch));
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
