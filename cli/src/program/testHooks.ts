// Fault-injection hooks the crash tests switch on with environment variables; unset, they are
// undefined and the commands run normally.

/**
 * NEUROLEDGER_TEST_HOLD_AFTER_ADD=<file>: after the IPFS adds, write the CIDs to <file> and wait
 * (at most a minute) to be killed before the chain tx.
 */
export function holdAfterAdd(file: string | undefined) {
  if (!file) return undefined;
  return async (cids: { contentCid: string; keyringCid: string }) => {
    const { rename, writeFile } = await import("node:fs/promises");
    // Written whole, then renamed: the test reads it as soon as it exists (a plain write let it
    // read an empty file once, on a loaded machine).
    await writeFile(`${file}.tmp`, JSON.stringify(cids));
    await rename(`${file}.tmp`, file);
    await new Promise((r) => setTimeout(r, 60_000));
    throw new Error("NEUROLEDGER_TEST_HOLD_AFTER_ADD: nobody killed this process");
  };
}

/**
 * NEUROLEDGER_TEST_HOLD_DURING_DECRYPT=<file>: once decrypted bytes reached the scratch file,
 * write `{ pid, fd }` to <file> and wait (at most a minute) to be killed.
 */
export function holdDuringDecrypt(file: string | undefined) {
  if (!file) return undefined;
  return async (scratch: { pid: number; fd: number }) => {
    const { rename, writeFile } = await import("node:fs/promises");
    // Written whole, then renamed: the test reads it as soon as it exists.
    await writeFile(`${file}.tmp`, JSON.stringify(scratch));
    await rename(`${file}.tmp`, file);
    await new Promise((r) => setTimeout(r, 60_000));
    throw new Error("NEUROLEDGER_TEST_HOLD_DURING_DECRYPT: nobody killed this process");
  };
}
