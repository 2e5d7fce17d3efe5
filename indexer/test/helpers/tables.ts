import * as schema from "../../ponder.schema.ts";

const onchain = Symbol.for("ponder:onchain");

/** Table export name -> column keys, from the schema itself (so a new column is compared too). */
export function tableColumns(): Map<string, string[]> {
  const tables = new Map<string, string[]>();
  for (const [name, value] of Object.entries(schema)) {
    // Tables (not enums, which are functions, nor relations) carry Ponder's onchain marker.
    if (!value || typeof value !== "object" || !(onchain in value)) continue;
    const columns = Object.entries(value)
      .filter(([, col]) => col && typeof col === "object" && "columnType" in col)
      .map(([key]) => key);
    if (columns.length > 0) tables.set(name, columns.sort());
  }
  return tables;
}

/** POSTs a GraphQL query; throws on HTTP or GraphQL errors. */
export async function graphql<T>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (!res.ok || body.errors)
    throw new Error(`GraphQL ${res.status}: ${JSON.stringify(body.errors ?? body)}`);
  return body.data as T;
}

export type Dump = Record<string, Record<string, unknown>[]>;

/** Every row of every table, through GraphQL, sorted: two dumps compare with deepEqual. */
export async function dumpTables(url: string, token?: string): Promise<Dump> {
  const dump: Dump = {};
  for (const [table, columns] of tableColumns()) {
    const plural = `${table}s`;
    const rows: Record<string, unknown>[] = [];
    let after: string | null = null;
    do {
      const data: Record<
        string,
        {
          items: Record<string, unknown>[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        }
      > = await graphql(
        url,
        `query($after: String) { ${plural}(limit: 1000, after: $after) { items { ${columns.join(" ")} } pageInfo { hasNextPage endCursor } } }`,
        { after },
        token,
      );
      const page = data[plural]!;
      rows.push(...page.items);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    dump[table] = rows.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  }
  return dump;
}
