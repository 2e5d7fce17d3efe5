import { readFile, rename, writeFile } from "node:fs/promises";
import {
  parseStack,
  type Stack,
  type StackAccount,
  type StackInstitution,
  stackSchema,
} from "@neuroledger/chain/schemas";

/**
 * `stack.json`: what `neuroledger up` started. Its schema lives in `@neuroledger/chain`
 * (`stackSchema`, docs/interfaces.md section 9); this module reads and writes the file.
 *
 * Other packages extend it by adding an entry under `services` (e.g. `services.indexer`,
 * `services.web`): every entry has a `url`, and may carry more keys of its own.
 */
export { type Stack, stackSchema };
export type DevAccount = StackAccount;
export type Institution = StackInstitution;

/** Reads and checks a stack file; the error names the file and every bad field. */
export async function readStack(file: string): Promise<Stack> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new Error(`cannot read stack file ${file}: ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new Error(`stack file ${file} is malformed: not valid JSON`, { cause });
  }
  return parseStack(json, file);
}

/** Writes atomically (temp file + rename) so readers never see half a file. */
export async function writeStack(file: string, stack: Stack): Promise<void> {
  const checked = stackSchema.parse(stack);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(checked, null, 2)}\n`);
  await rename(tmp, file);
}
