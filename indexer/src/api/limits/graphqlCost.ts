import {
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  parse,
  type SelectionSetNode,
  type ValueNode,
} from "graphql";

/** Ponder's page size when a list field has no `limit`, and the most it serves. */
export const PONDER_DEFAULT_LIMIT = 50;
export const PONDER_MAX_LIMIT = 1000;
/** Most selections the cost walk visits (fragments expanded). */
const MAX_VISITS = 10_000;

export type GraphqlLimits = {
  /** Most rows the request may make the database read: page sizes multiplied along nesting. */
  maxCost: number;
  /** Deepest field nesting (introspection counted apart, up to twice this). */
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
};

export type GraphqlCost = { cost: number; depth: number; aliases: number };

/** A request the guard refuses, with the reason to send back. */
export class GraphqlRefusal extends Error {
  override name = "GraphqlRefusal";
}

/**
 * Parses `query` (bounded token count) and estimates what it costs: each Ponder list field (one
 * that selects `items`) reads up to `limit` rows (50 when absent, 1000 when it comes from a
 * variable) for every row of the lists around it; every other field costs one lookup per
 * enclosing row; `totalCount` one count per enclosing row. Throws a {@link GraphqlRefusal} when a
 * limit is passed.
 */
export function graphqlCost(query: string, limits: GraphqlLimits): GraphqlCost {
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: limits.maxTokens, noLocation: true });
  } catch (error) {
    const message = error instanceof GraphQLError ? error.message : String(error);
    throw new GraphqlRefusal(`malformed GraphQL query: ${message}`);
  }
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    else if (d.kind !== Kind.OPERATION_DEFINITION) {
      throw new GraphqlRefusal(`unsupported definition "${d.kind}" in the query`);
    }
  }
  const total: GraphqlCost = { cost: 0, depth: 0, aliases: 0 };
  // Fragments spread several times each can make a short query expand exponentially: bound the walk.
  let visits = 0;
  const visit = () => {
    if (++visits > MAX_VISITS) {
      throw new GraphqlRefusal(
        `query expands to more than ${MAX_VISITS} fields through its fragments`,
      );
    }
  };

  const walk = (set: SelectionSetNode, rows: number, depth: number, seen: Set<string>): void => {
    for (const s of set.selections) {
      visit();
      if (s.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(s.name.value);
        if (!fragment) throw new GraphqlRefusal(`unknown fragment "${s.name.value}"`);
        if (seen.has(s.name.value)) {
          throw new GraphqlRefusal(`fragment "${s.name.value}" spreads itself`);
        }
        walk(fragment.selectionSet, rows, depth, new Set(seen).add(s.name.value));
        continue;
      }
      if (s.kind === Kind.INLINE_FRAGMENT) {
        walk(s.selectionSet, rows, depth, seen);
        continue;
      }
      if (s.alias) total.aliases++;
      const name = s.name.value;
      if (name.startsWith("__")) {
        // Introspection reads no rows; its nesting is bounded on its own.
        const d = depth + 1 + selectionDepth(s.selectionSet, fragments);
        if (d > limits.maxDepth * 2) {
          throw new GraphqlRefusal(
            `introspection nested ${d} levels deep, at most ${limits.maxDepth * 2}`,
          );
        }
        continue;
      }
      const fieldDepth = depth + 1;
      total.depth = Math.max(total.depth, fieldDepth);
      if (fieldDepth > limits.maxDepth) {
        throw new GraphqlRefusal(
          `query nested ${fieldDepth} levels deep at "${name}", at most ${limits.maxDepth}`,
        );
      }
      if (!s.selectionSet) continue;
      if (selectsItems(s.selectionSet, fragments)) {
        const page = rows * pageSize(s.arguments?.find((a) => a.name.value === "limit")?.value);
        total.cost += page;
        walkPage(s.selectionSet, rows, page, fieldDepth, seen);
      } else {
        total.cost += rows;
        walk(s.selectionSet, rows, fieldDepth, seen);
      }
      if (total.cost > limits.maxCost) {
        throw new GraphqlRefusal(
          `query may read ${total.cost.toLocaleString("en")} rows or more (page sizes multiplied along its nesting), at most ${limits.maxCost.toLocaleString("en")}: ask for smaller pages (limit) or nest less`,
        );
      }
    }
  };

  /** Inside a page: `items` runs at `page` rows, `totalCount` counts once per enclosing row. */
  const walkPage = (
    set: SelectionSetNode,
    rows: number,
    page: number,
    depth: number,
    seen: Set<string>,
  ) => {
    for (const s of set.selections) {
      visit();
      if (s.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(s.name.value);
        if (!fragment) throw new GraphqlRefusal(`unknown fragment "${s.name.value}"`);
        if (seen.has(s.name.value)) {
          throw new GraphqlRefusal(`fragment "${s.name.value}" spreads itself`);
        }
        walkPage(fragment.selectionSet, rows, page, depth, new Set(seen).add(s.name.value));
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        walkPage(s.selectionSet, rows, page, depth, seen);
      } else if (s.name.value === "items" && s.selectionSet) {
        if (s.alias) total.aliases++;
        walk(s.selectionSet, page, depth + 1, seen);
        total.depth = Math.max(total.depth, depth + 1);
      } else {
        if (s.alias) total.aliases++;
        if (s.name.value === "totalCount") total.cost += rows;
        if (s.selectionSet) walk(s.selectionSet, rows, depth + 1, seen);
      }
    }
  };

  for (const d of document.definitions) {
    if (d.kind === Kind.OPERATION_DEFINITION) walk(d.selectionSet, 1, 0, new Set());
  }
  if (total.aliases > limits.maxAliases) {
    throw new GraphqlRefusal(`query uses ${total.aliases} aliases, at most ${limits.maxAliases}`);
  }
  return total;
}

function pageSize(value: ValueNode | undefined): number {
  if (!value) return PONDER_DEFAULT_LIMIT;
  if (value.kind === Kind.INT) {
    const n = Number(value.value);
    if (n < 0 || n > PONDER_MAX_LIMIT) {
      throw new GraphqlRefusal(`limit ${value.value} is outside 0..${PONDER_MAX_LIMIT}`);
    }
    return n;
  }
  // A variable (or anything else) may hold the largest page Ponder serves.
  return PONDER_MAX_LIMIT;
}

/** Whether a selection selects `items` (a Ponder page); per-fragment answers memoised. */
function selectsItems(
  set: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  memo = new Map<string, boolean>(),
): boolean {
  return set.selections.some((s) => {
    if (s.kind === Kind.FIELD) return s.name.value === "items";
    if (s.kind === Kind.INLINE_FRAGMENT) return selectsItems(s.selectionSet, fragments, memo);
    const name = s.name.value;
    const known = memo.get(name);
    if (known !== undefined) return known;
    const fragment = fragments.get(name);
    memo.set(name, false); // a cycle reads as "no"; the walk refuses cycles itself
    const answer = fragment ? selectsItems(fragment.selectionSet, fragments, memo) : false;
    memo.set(name, answer);
    return answer;
  });
}

/** Deepest nesting below a selection; per-fragment answers memoised. */
function selectionDepth(
  set: SelectionSetNode | undefined,
  fragments: Map<string, FragmentDefinitionNode>,
  memo = new Map<string, number>(),
): number {
  if (!set) return 0;
  let deepest = 0;
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) {
      deepest = Math.max(deepest, 1 + selectionDepth(s.selectionSet, fragments, memo));
    } else if (s.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, selectionDepth(s.selectionSet, fragments, memo));
    } else {
      const name = s.name.value;
      if (!memo.has(name)) {
        memo.set(name, 0);
        const fragment = fragments.get(name);
        memo.set(name, fragment ? selectionDepth(fragment.selectionSet, fragments, memo) : 0);
      }
      deepest = Math.max(deepest, memo.get(name)!);
    }
  }
  return deepest;
}
