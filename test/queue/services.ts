import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/**
 * Private Redis and Postgres servers for tests: Debian's redis-server and postgresql binaries, started on a free
 * loopback port in a temp folder, stopped by `stop()` and, whatever happens, when the test process exits.
 */
export interface Service {
  url: string;
  port: number;
  dir: string;
  stop(): Promise<void>;
}

const cleanups = new Set<() => void>();
process.on("exit", () => {
  for (const c of cleanups) c();
});

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Answers once a TCP connection to the port succeeds (and, for Redis, PING gets +PONG). */
async function waitFor(port: number, probe: string | undefined, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = createConnection({ host: "127.0.0.1", port });
      sock.once("error", () => resolve(false));
      sock.once("connect", () => {
        if (probe === undefined) {
          sock.end();
          return resolve(true);
        }
        sock.write(probe);
        sock.once("data", (b) => {
          sock.end();
          resolve(b.toString().startsWith("+PONG"));
        });
      });
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} did not start on port ${port} within ${timeoutMs} ms`);
    await sleep(100);
  }
}

export async function startRedis(): Promise<Service> {
  const dir = mkdtempSync(join(tmpdir(), "sy-redis-"));
  const port = await freePort();
  const child: ChildProcess = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  const kill = () => {
    if (child.exitCode === null) child.kill("SIGKILL");
  };
  cleanups.add(kill);
  try {
    await waitFor(port, "PING\r\n", 30_000, "redis-server");
  } catch (err) {
    kill();
    throw err;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    async stop() {
      cleanups.delete(kill);
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await Promise.race([exited, sleep(5000)]);
        kill();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function pgBin(name: string): string {
  const base = "/usr/lib/postgresql";
  const versions = existsSync(base) ? readdirSync(base).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const p = join(base, v, "bin", name);
    if (existsSync(p)) return p;
  }
  throw new Error(`${name}: no PostgreSQL binaries under ${base} (install Debian's postgresql)`);
}

/** As root, run a Postgres binary as the `postgres` user (initdb refuses root); otherwise as ourselves. */
function asPostgres(cmd: string, args: string[]): { cmd: string; args: string[] } {
  if (process.getuid?.() !== 0) return { cmd, args };
  return { cmd: "runuser", args: ["-u", "postgres", "--", cmd, ...args] };
}

function postgresIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const r = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
  const g = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error("no postgres user (install Debian's postgresql, which creates it)");
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

export async function startPostgres(): Promise<Service> {
  const root = mkdtempSync(join(tmpdir(), "sy-pg-"));
  chmodSync(root, 0o755);
  const data = join(root, "data");
  mkdirSync(data, { mode: 0o700 });
  const ids = postgresIds();
  if (ids) chownSync(data, ids.uid, ids.gid);
  const port = await freePort();
  const run = (name: string, args: string[]) => {
    const c = asPostgres(pgBin(name), args);
    const r = spawnSync(c.cmd, c.args, { encoding: "utf8", cwd: root });
    if (r.status !== 0) throw new Error(`${name} failed: ${r.stderr || r.stdout}`);
  };
  run("initdb", ["-D", data, "-A", "trust", "-U", "switchyard", "--no-sync", "-E", "UTF8"]);
  const stopNow = () => {
    const c = asPostgres(pgBin("pg_ctl"), ["-D", data, "stop", "-m", "immediate"]);
    spawnSync(c.cmd, c.args, { stdio: "ignore" });
  };
  cleanups.add(stopNow);
  const opts = `-p ${port} -k ${data} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off`;
  try {
    run("pg_ctl", ["-D", data, "-o", opts, "-l", join(data, "server.log"), "-w", "-t", "120", "start"]);
    await waitFor(port, undefined, 30_000, "postgres");
  } catch (err) {
    const log = existsSync(join(data, "server.log")) ? readFileSync(join(data, "server.log"), "utf8") : "";
    stopNow();
    throw new Error(`${(err as Error).message}\n${log}`);
  }
  return {
    url: `postgres://switchyard@127.0.0.1:${port}/postgres`,
    port,
    dir: root,
    async stop() {
      cleanups.delete(stopNow);
      stopNow();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A fresh database on a private Postgres (so tests do not see each other's rows); returns its URL. */
export async function createDatabase(service: Service, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: service.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return service.url.replace(/\/postgres$/, `/${name}`);
}
