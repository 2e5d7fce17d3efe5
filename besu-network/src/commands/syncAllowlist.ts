export async function syncAllowlist(_: unknown): Promise<{
  accounts: string[];
  applied: { rpcUrl: string; added: string[]; removed: string[] }[];
}> {
  throw new Error("todo");
}
