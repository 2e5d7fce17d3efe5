import { randomBytes } from "node:crypto";
import { access, chmod, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { OutputExistsError } from "./errors.ts";
import type { NetworkFile } from "./networkFiles.ts";

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes the files under `outDir`. Without `force` nothing is overwritten: existing node keys are
 * reported first, since losing one changes a validator's identity. Files are first written to a
 * staging directory inside `outDir` and then renamed into place, so a failure (disk full, bad
 * permission) leaves no half-written file behind.
 */
export async function writeNetworkFiles(
  outDir: string,
  files: readonly NetworkFile[],
  force: boolean,
): Promise<void> {
  const root = resolve(outDir);
  if (!force) {
    const existing = (
      await Promise.all(
        files.map(async (f) => ((await exists(join(root, f.path))) ? f : undefined)),
      )
    ).filter((f): f is NetworkFile => f !== undefined);
    const keys = existing.filter((f) => f.isKey);
    if (keys.length > 0)
      throw new OutputExistsError(
        keys.map((f) => join(outDir, f.path)),
        true,
      );
    if (existing.length > 0)
      throw new OutputExistsError(
        existing.map((f) => join(outDir, f.path)),
        false,
      );
  }
  await mkdir(root, { recursive: true });
  const staging = join(root, `.staging-${randomBytes(6).toString("hex")}`);
  try {
    for (const [index, file] of files.entries()) {
      const staged = join(staging, String(index));
      await mkdir(dirname(staged), { recursive: true });
      await writeFile(staged, file.content, { mode: file.mode });
      await chmod(staged, file.mode);
    }
    for (const [index, file] of files.entries()) {
      const target = join(root, file.path);
      await mkdir(dirname(target), { recursive: true });
      await rename(join(staging, String(index)), target);
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
