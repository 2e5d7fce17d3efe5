import { execFile, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "@neuroledger/chain/net";

const run = promisify(execFile);

/** Debian keeps the server binaries in /usr/lib/postgresql/<major>/bin, off PATH. */
function pgBinDir(): string {
  const onPath = spawnSync("sh", ["-c", "command -v pg_ctl"], { encoding: "utf8" }).stdout.trim();
  // Follow a symlink to the real bin folder, where createdb and psql are too.
  if (onPath) return dirname(realpathSync(onPath));
  const root = "/usr/lib/postgresql";
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((d) => existsSync(join(root, d, "bin", "pg_ctl")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!majors[0]) {
    throw new Error(
      "PostgreSQL server binaries not found (pg_ctl): install Debian's `postgresql` package (scripts/bootstrap.sh test does).",
    );
  }
  return join(root, majors[0], "bin");
}

export type Postgres = {
  url: string;
  /** Creates another database in the cluster; returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
};

/**
 * A throwaway PostgreSQL cluster in a temp folder on a free 127.0.0.1 port. initdb refuses to
 * run as root, so as root the cluster belongs to the `postgres` system user.
 */
export async function startPostgres(): Promise<Postgres> {
  const bin = pgBinDir();
  const dir = mkdtempSync(join(tmpdir(), "nl-pg-"));
  const data = join(dir, "data");
  let owner: { uid: number; gid: number } | undefined;
  if (userInfo().uid === 0) {
    const id = (flag: string) =>
      Number(spawnSync("id", [flag, "postgres"], { encoding: "utf8" }).stdout.trim());
    owner = { uid: id("-u"), gid: id("-g") };
    chownSync(dir, owner.uid, owner.gid);
  }
  const as = { ...owner, cwd: dir, timeout: 60_000 };
  const port = await freePort();
  await run(
    join(bin, "initdb"),
    ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
    as,
  );
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  await run(
    join(bin, "pg_ctl"),
    ["-D", data, "-o", serverOptions, "-l", join(dir, "log"), "-w", "-t", "30", "start"],
    as,
  );
  const url = (db: string) => `postgres://postgres@127.0.0.1:${port}/${db}`;
  return {
    url: url("postgres"),
    async createDatabase(name) {
      await run(
        join(bin, "createdb"),
        ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", name],
        { timeout: 30_000 },
      );
      return url(name);
    },
    async stop() {
      await run(
        join(bin, "pg_ctl"),
        ["-D", data, "-m", "immediate", "-w", "-t", "30", "stop"],
        as,
      ).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
