import {
  type DocumentNode,
  type FieldNode,
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
  const walk = new CostWalk(fragmentsOf(document), limits);
  for (const d of document.definitions) {
    if (d.kind === Kind.OPERATION_DEFINITION) walk.selections(d.selectionSet, 1, 0, new Set());
  }
  const { total } = walk;
  if (total.aliases > limits.maxAliases) {
    throw new GraphqlRefusal(`query uses ${total.aliases} aliases, at most ${limits.maxAliases}`);
  }
  return total;
}

/** The document's fragments by name; refuses definitions other than operations and fragments. */
function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    else if (d.kind !== Kind.OPERATION_DEFINITION) {
      throw new GraphqlRefusal(`unsupported definition "${d.kind}" in the query`);
    }
  }
  return fragments;
}

/**
 * One walk of a query's selections, adding up its cost, deepest nesting and aliases in `total`
 * and throwing a {@link GraphqlRefusal} as soon as a limit is passed.
 */
class CostWalk {
  readonly total: GraphqlCost = { cost: 0, depth: 0, aliases: 0 };
  private visits = 0;
  private readonly fragments: Map<string, FragmentDefinitionNode>;
  private readonly limits: GraphqlLimits;

  constructor(fragments: Map<string, FragmentDefinitionNode>, limits: GraphqlLimits) {
    this.fragments = fragments;
    this.limits = limits;
  }

  /** Walks `set`, read once per each of `rows` enclosing rows, at nesting `depth`. */
  selections(set: SelectionSetNode, rows: number, depth: number, seen: Set<string>): void {
    for (const s of set.selections) {
      this.visit();
      if (s.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = this.fragment(s.name.value, seen);
        this.selections(fragment.selectionSet, rows, depth, new Set(seen).add(s.name.value));
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        this.selections(s.selectionSet, rows, depth, seen);
      } else {
        this.field(s, rows, depth, seen);
      }
    }
  }

  /** Inside a page: `items` runs at `page` rows, `totalCount` counts once per enclosing row. */
  private pageSelections(
    set: SelectionSetNode,
    rows: number,
    page: number,
    depth: number,
    seen: Set<string>,
  ): void {
    for (const s of set.selections) {
      this.visit();
      if (s.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = this.fragment(s.name.value, seen);
        this.pageSelections(
          fragment.selectionSet,
          rows,
          page,
          depth,
          new Set(seen).add(s.name.value),
        );
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        this.pageSelections(s.selectionSet, rows, page, depth, seen);
      } else {
        this.pageField(s, rows, page, depth, seen);
      }
    }
  }

  /** A field of a page: `items` (rows of the page), `totalCount`, or another field. */
  private pageField(s: FieldNode, rows: number, page: number, depth: number, seen: Set<string>) {
    if (s.alias) this.total.aliases++;
    if (s.name.value === "items" && s.selectionSet) {
      this.selections(s.selectionSet, page, depth + 1, seen);
      this.total.depth = Math.max(this.total.depth, depth + 1);
      return;
    }
    if (s.name.value === "totalCount") this.total.cost += rows;
    if (s.selectionSet) this.selections(s.selectionSet, rows, depth + 1, seen);
  }

  private field(s: FieldNode, rows: number, depth: number, seen: Set<string>): void {
    if (s.alias) this.total.aliases++;
    const name = s.name.value;
    if (name.startsWith("__")) {
      this.introspection(s, depth);
      return;
    }
    const fieldDepth = depth + 1;
    this.total.depth = Math.max(this.total.depth, fieldDepth);
    if (fieldDepth > this.limits.maxDepth) {
      throw new GraphqlRefusal(
        `query nested ${fieldDepth} levels deep at "${name}", at most ${this.limits.maxDepth}`,
      );
    }
    if (!s.selectionSet) return;
    if (selectsItems(s.selectionSet, this.fragments)) {
      const page = rows * pageSize(s.arguments?.find((a) => a.name.value === "limit")?.value);
      this.total.cost += page;
      this.pageSelections(s.selectionSet, rows, page, fieldDepth, seen);
    } else {
      this.total.cost += rows;
      this.selections(s.selectionSet, rows, fieldDepth, seen);
    }
    this.checkCost();
  }

  /** Introspection reads no rows; its nesting is bounded on its own. */
  private introspection(s: FieldNode, depth: number): void {
    const d = depth + 1 + selectionDepth(s.selectionSet, this.fragments);
    if (d > this.limits.maxDepth * 2) {
      throw new GraphqlRefusal(
        `introspection nested ${d} levels deep, at most ${this.limits.maxDepth * 2}`,
      );
    }
  }

  private checkCost(): void {
    const { cost } = this.total;
    const { maxCost } = this.limits;
    if (cost > maxCost) {
      throw new GraphqlRefusal(
        `query may read ${cost.toLocaleString("en")} rows or more (page sizes multiplied along its nesting), at most ${maxCost.toLocaleString("en")}: ask for smaller pages (limit) or nest less`,
      );
    }
  }

  /** Fragments spread several times each can make a short query expand exponentially: bound the walk. */
  private visit(): void {
    if (++this.visits > MAX_VISITS) {
      throw new GraphqlRefusal(
        `query expands to more than ${MAX_VISITS} fields through its fragments`,
      );
    }
  }

  /** The fragment `name`; refuses an unknown one and one that (through `seen`) spreads itself. */
  private fragment(name: string, seen: Set<string>): FragmentDefinitionNode {
    const fragment = this.fragments.get(name);
    if (!fragment) throw new GraphqlRefusal(`unknown fragment "${name}"`);
    if (seen.has(name)) throw new GraphqlRefusal(`fragment "${name}" spreads itself`);
    return fragment;
  }
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
