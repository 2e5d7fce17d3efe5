// The READMEs' commands run as written on a machine with only Node and npm (issue 14, section 7).
// After `npm start` the project's pnpm lives in node_modules/.bin, not on PATH, so a README that
// says `pnpm ...` fails with "command not found". This test reads every shell command the READMEs
// show (code blocks and inline code), and in a clone-like copy of the repository (tracked files
// only, the installed node_modules linked in, an empty HOME, PATH without pnpm, npm offline):
// - refuses any command that calls pnpm directly;
// - checks that every script a command names exists in the package it names;
// - runs the CLI commands for real with --help (the wrapper resolves, the subcommand exists and
//   takes every flag the README passes), and the first one exactly as written without a stack
//   (it must fail with the CLI's own usage error, not with a missing program).
// Long-running commands (`npm start`, `npm test`, servers, benchmarks, test suites) are checked
// by the script check only.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const REPO = fileURLToPath(new URL("../..", import.meta.url));

/** One command a README shows: where, and the words after any `VAR=value` prefixes. */
interface ReadmeCommand {
  file: string;
  text: string;
  words: string[];
}

/** The READMEs a reader follows: the root one, ARCHITECTURE.md and each package's. */
function readmeFiles(): string[] {
  // The `packages:` list of pnpm-workspace.yaml (plain folder names, one per line).
  const yaml = readFileSync(join(REPO, "pnpm-workspace.yaml"), "utf8");
  const list = /^packages:\n((?:[ \t]+-.*\n)+)/m.exec(yaml)?.[1] ?? "";
  const packages = [...list.matchAll(/-\s*["']?([\w-]+)["']?/g)].map((m) => m[1] as string);
  return ["README.md", "ARCHITECTURE.md", ...packages.map((dir) => `${dir}/README.md`)].filter(
    (f) => existsSync(join(REPO, f)),
  );
}

// What a reader types to run the project (`node file.js` and `bash script.sh` run files, not tools).
const TOOLS = new Set(["npm", "npx", "pnpm", "corepack", "yarn"]);

/** Shell commands of a README: lines of sh/bash blocks (continuations joined), inline `code`. */
export function extractCommands(file: string, markdown: string): ReadmeCommand[] {
  const texts: string[] = [];
  for (const block of markdown.matchAll(/```(?:sh|bash|shell|console)\n([\s\S]*?)```/g)) {
    const joined = (block[1] as string).replace(/\\\n\s*/g, " ");
    for (const line of joined.split("\n")) texts.push(line.replace(/\s+#.*$/, "").trim());
  }
  const prose = markdown.replace(/```[\s\S]*?```/g, "");
  for (const span of prose.matchAll(/`([^`\n]+)`/g)) texts.push((span[1] as string).trim());
  const commands: ReadmeCommand[] = [];
  for (const text of texts) {
    const words = text.split(/\s+/).filter(Boolean);
    while (words.length > 0 && /^[A-Z_][A-Z0-9_]*=/.test(words[0] as string)) words.shift();
    if (words.length > 1 && TOOLS.has(words[0] as string)) commands.push({ file, text, words });
  }
  return commands;
}

const PNPM_BUILTINS = new Set(["install", "add", "exec", "run", "why", "list", "-r", "--filter"]);

/** The package folder and script an `npx pnpm ...` / `npm run ...` command runs, if any. */
function scriptOf(words: string[]): { dir: string; script: string } | undefined {
  const rest = words[0] === "npx" ? words.slice(2) : words.slice(1);
  if (words[0] === "npm") {
    if (rest[0] === "start" || rest[0] === "test") return { dir: ".", script: rest[0] };
    if (rest[0] === "run") return { dir: ".", script: rest[1] as string };
    return undefined;
  }
  let dir = ".";
  if (rest[0] === "-C") {
    dir = rest[1] as string;
    rest.splice(0, 2);
  }
  if (rest[0] === "run") rest.shift();
  const script = rest[0];
  if (words[0] === "npx" && words[1] !== "pnpm") return undefined;
  return script === undefined || PNPM_BUILTINS.has(script) ? undefined : { dir, script };
}

/** Long options a command passes (`--out`, `--as`, ...), without values. */
const flagsOf = (words: string[]) =>
  words.filter((w) => /^--[a-z]/.test(w)).map((w) => w.replace(/=.*$/, ""));

const commands = readmeFiles().flatMap((file) =>
  extractCommands(file, readFileSync(join(REPO, file), "utf8")),
);
const cliCommands = commands.filter((c) => {
  const at = c.words.indexOf("neuroledger");
  const sub = c.words[at + 1];
  // `neuroledger <command>` in prose names the form, not a command to run.
  return (
    c.words[0] === "npx" && c.words[1] === "pnpm" && at > 0 && at <= 4 && !sub?.startsWith("<")
  );
});

describe("README commands on a machine with only Node and npm", { timeout: 150_000 }, () => {
  let clone: string;
  let home: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    // A clone-like copy: the files git tracks (and new ones it does not ignore), nothing built;
    // the installed node_modules are linked in, as `npm start` would have installed them.
    clone = await mkdtemp(join(tmpdir(), "nl-readme-"));
    home = await mkdtemp(join(tmpdir(), "nl-readme-home-"));
    const { stdout } = await run(
      "git",
      ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
      {
        cwd: REPO,
        maxBuffer: 16 << 20,
      },
    );
    for (const file of new Set(stdout.split("\0").filter(Boolean))) {
      if (!existsSync(join(REPO, file))) continue; // deleted in the working tree
      await mkdir(dirname(join(clone, file)), { recursive: true });
      await cp(join(REPO, file), join(clone, file));
    }
    for (const dir of [".", ...(await readdir(REPO))]) {
      const modules = join(REPO, dir, "node_modules");
      if (existsSync(modules) && existsSync(join(clone, dir)))
        await symlink(modules, join(clone, dir, "node_modules"));
    }
    // The machine's npm (the first on PATH outside any node_modules), the system's folders, and
    // no folder that holds a pnpm.
    const npmDir = (process.env.PATH ?? "")
      .split(":")
      .find((dir) => !dir.includes("node_modules") && existsSync(join(dir, "npm")));
    assert.ok(npmDir, "npm is on PATH");
    const path = [...new Set([npmDir, "/usr/local/bin", "/usr/bin", "/bin"])]
      .filter((dir) => !existsSync(join(dir, "pnpm")))
      .join(":");
    env = {
      HOME: home,
      PATH: path,
      npm_config_offline: "true",
      npm_config_update_notifier: "false",
      NEUROLEDGER_DATA_DIR: join(home, "no-stack"),
    };
    await assert.rejects(
      run("bash", ["-c", "command -v pnpm"], { env }),
      "pnpm must not be on this PATH",
    );
  });
  after(async () => {
    if (clone) await rm(clone, { recursive: true, force: true });
    if (home) await rm(home, { recursive: true, force: true });
  });

  test("the READMEs show commands, and the CLI ones among them", () => {
    assert.ok(commands.length >= 30, `found ${commands.length} commands`);
    assert.ok(cliCommands.length >= 3, `found ${cliCommands.length} neuroledger commands`);
  });

  test("no README calls pnpm directly (it is not on a fresh machine's PATH)", () => {
    const bare = commands.filter((c) => c.words[0] === "pnpm");
    assert.deepEqual(
      bare.map((c) => `${c.file}: ${c.text}`),
      [],
      "write `npx pnpm ...` (the project's pinned pnpm in node_modules/.bin) or `npm run ...`",
    );
  });

  test("every script a README command names exists in the package it names", () => {
    const missing: string[] = [];
    for (const c of commands) {
      const target = scriptOf(c.words);
      if (!target) continue;
      const manifest = join(REPO, target.dir, "package.json");
      const scripts = existsSync(manifest)
        ? (JSON.parse(readFileSync(manifest, "utf8")).scripts ?? {})
        : undefined;
      if (!scripts || !(target.script in scripts))
        missing.push(`${c.file}: ${c.text} (no script "${target.script}" in ${target.dir})`);
    }
    assert.deepEqual(missing, []);
  });

  test("`npx pnpm` is the project's pinned pnpm, found without pnpm on PATH and offline", async () => {
    const pinned = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")).packageManager;
    const { stdout } = await run("npx", ["pnpm", "--version"], { cwd: clone, env });
    assert.equal(`pnpm@${stdout.trim()}`, pinned);
  });

  test("each README neuroledger command resolves, and its subcommand takes every flag shown", async () => {
    for (const c of cliCommands) {
      const at = c.words.indexOf("neuroledger");
      const sub = c.words.slice(at + 1).filter((w) => !w.startsWith("-"))[0] as string;
      const { stdout } = await run(c.words[0] as string, [...c.words.slice(1), "--help"], {
        cwd: clone,
        env,
        timeout: 60_000,
      });
      assert.match(stdout, new RegExp(`Usage: neuroledger ${sub}\\b`), `${c.file}: ${c.text}`);
      for (const flag of flagsOf(c.words.slice(at + 1)))
        assert.ok(stdout.includes(flag), `${c.file}: ${c.text}: ${sub} has no ${flag}`);
    }
  });

  test("the first README command, as written, reaches the CLI (a usage error without a stack)", async () => {
    const first = cliCommands.find((c) => c.file === "README.md") as ReadmeCommand;
    const failure = await run(first.words[0] as string, first.words.slice(1), {
      cwd: clone,
      env,
      timeout: 60_000,
    }).then(
      () => assert.fail(`${first.text} succeeded without a running stack`),
      (err: { code: number; stderr: string }) => err,
    );
    assert.equal(failure.code, 2, failure.stderr);
    assert.match(failure.stderr, /error: no chain RPC URL/);
    assert.doesNotMatch(failure.stderr, /command not found/);
  });
});
