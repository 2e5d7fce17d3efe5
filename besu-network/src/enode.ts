import { InvalidInputError } from "./errors.ts";

/** Where a node listens for peers. */
export type EnodeEndpoint = { enodeId: string; host: string; port: number };

/** `enode://<128 hex id>@<host>:<port>`, the form Besu expects in bootnodes, static nodes and allowlists. */
export function formatEnode({ enodeId, host, port }: EnodeEndpoint): string {
  return `enode://${enodeId}@${host}:${port}`;
}

const ENODE = /^enode:\/\/([0-9a-f]{128})@([^:@/?]+):(\d{1,5})(?:\?discport=\d+)?$/;

/** Parses an enode URL; throws an error that names the URL when it is malformed. */
export function parseEnode(url: string): EnodeEndpoint {
  const match = ENODE.exec(url);
  if (!match) {
    throw new InvalidInputError(`Not an enode URL: ${url}`, {
      hint: "Expected enode://<128 hex digits>@<host>:<port>",
    });
  }
  const [, enodeId, host, port] = match as unknown as [string, string, string, string];
  return { enodeId, host, port: Number(port) };
}
