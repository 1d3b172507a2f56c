/**
 * Name flow of a piece of Python module code, computed on a real parse tree (@lezer/python):
 * which names the code reads before it defines them, which module-level names it (re)defines,
 * and the free global names of the functions and classes it defines.
 */
import { parsePython } from "./parse-python.js";
import type { SyntaxNode } from "@lezer/common";
import { collectBindings, collectTargetNames } from "./bindings.js";

/** What one chunk of module-level code reads and defines. */
export interface NameFlow {
  /** Names read at module level before this code binds them (or read by its functions and never bound), first-use order. */
  reads: string[];
  /** Module-level names bound (or mutated in place) by this code and still bound at the end, first-binding order. */
  defines: string[];
  /** Names whose object this code mutates in place (`df['x'] = …`, `df.x = …`, `lst.append(…)`): read and redefined. */
  mutates: string[];
  /** Free global names of each function/class this code defines (what calling it reads). */
  functionFree: Record<string, string[]>;
  /** The names of `reads` read only inside function/lambda bodies (needed when called, not when defined). */
  lazy: string[];
  /** Line (1-based) of the first read of each name in `reads`. */
  readLines: Record<string, number>;
  /**
   * Module-level names whose binding at the end is an import (`np` from `import numpy as np`):
   * the statement binding just that name, and its line. A later step re-runs the import instead
   * of receiving a module object as data.
   */
  imports: Record<string, { statement: string; line: number }>;
  /** True when the code does `from m import *` (unknown names may come from there). */
  starImport: boolean;
  /** 1-based lines where the parser found syntax it could not read. */
  syntaxErrors: number[];
}

/**
 * Method calls used as statements that do not change their object; any other `name.method(…)`
 * statement counts as an in-place mutation of `name` (e.g. `model.fit(X)`, `lst.append(x)`).
 */
const NON_MUTATING_METHODS = new Set([
  "head", "tail", "describe", "info", "show", "plot", "hist", "display", "print", "summary",
  "sample", "keys", "items", "values", "copy", "count", "mean", "sum", "max", "min", "std",
  "get", "format", "join", "split", "strip", "startswith", "endswith", "to_string", "to_csv",
  "to_json", "to_parquet", "to_pickle", "to_excel", "savefig", "score", "predict", "predict_proba",
  "transform", "evaluate", "nunique", "unique", "value_counts", "corr", "isna", "isnull", "dump", "dumps",
  "write", "flush", "close", "read", "readlines",
  "to_html", "to_markdown", "to_dict", "to_numpy", "tolist", "median", "var", "quantile", "mode",
  "boxplot", "scatter", "bar", "barh", "pie", "kde", "decision_function", "get_params", "memory_usage",
]);

/**
 * pandas-style methods that return a new object and change their own object only with
 * `inplace=True`: as a bare statement without it they mutate nothing (`df.dropna()` only displays).
 */
const COPY_UNLESS_INPLACE = new Set([
  "dropna", "fillna", "drop", "rename", "reset_index", "set_index", "sort_values", "sort_index",
  "replace", "drop_duplicates", "query", "eval", "where", "mask", "interpolate", "clip", "ffill",
  "bfill", "rename_axis", "set_axis", "astype", "apply", "map", "applymap", "merge", "groupby",
  "pivot", "pivot_table", "melt", "assign", "round", "abs", "reindex", "pipe", "agg", "aggregate",
  "filter", "select_dtypes", "isin", "nlargest", "nsmallest", "cumsum", "diff", "shift", "explode",
  "duplicated", "stack", "unstack", "transpose", "add_prefix", "add_suffix", "convert_dtypes",
  "infer_objects", "truncate", "tz_localize", "tz_convert", "between",
]);

/**
 * Methods that change their object wherever they are called, also inside expressions
 * (`Xt = scaler.fit_transform(X)` fits `scaler`; `x = stack.pop()` shortens `stack`) and on a
 * part of it (`df["a"].fillna(0, inplace=True)`, `pipe.steps[0][1].fit(X)`).
 */
const ALWAYS_MUTATING = new Set([
  "fit", "fit_transform", "fit_predict", "partial_fit", "fit_resample",
  "append", "extend", "insert", "remove", "pop", "popitem", "clear", "update", "setdefault",
  "discard", "sort", "reverse", "resize", "fill", "put", "setflags", "itemset",
  "appendleft", "extendleft", "popleft", "rotate", "difference_update", "intersection_update",
  "symmetric_difference_update", "set_params", "load_state_dict",
]);

type ScopeKind = "module" | "function" | "class" | "comp";

interface Scope {
  kind: ScopeKind;
  parent?: Scope;
  /** function/comp: all names bound in the scope; class: names bound so far. */
  locals: Set<string>;
  /** Names declared `global` (function scopes). */
  globals: Set<string>;
}

class Analyzer {
  readonly reads: string[] = [];
  readonly readLines: Record<string, number> = {};
  private readonly readSet = new Set<string>();
  /** Module-level names bound so far, in first-binding order (deletions remove). */
  private readonly bound = new Map<string, true>();
  private readonly everBound = new Set<string>();
  private readonly mutated = new Set<string>();
  /** Every mutation seen, in order (also of non-module names such as loop variables). */
  private readonly mutationLog: string[] = [];
  /** Module-level `NAME = [a, b, …]` lists/tuples of plain names: what a loop over NAME visits. */
  private readonly containers = new Map<string, string[]>();
  /**
   * Module-level names whose latest binding is an import: the statement binding just that name.
   * Method calls on them (`random.seed(0)`) change a module, never data.
   */
  private readonly importedAt = new Map<string, { statement: string; line: number }>();
  /** Free globals read inside function bodies (decided at the end). */
  private readonly deferred = new Map<string, number>();
  readonly functionFree: Record<string, string[]> = {};
  readonly lazy: string[] = [];
  /** The module-level def/class currently being analysed (collects free globals). */
  private owner: Set<string> | undefined;
  starImport = false;
  syntaxErrors: number[] = [];
  private readonly module: Scope = { kind: "module", locals: new Set(), globals: new Set() };

  constructor(private readonly src: string) {}

  private lineStarts: number[] | undefined;

  private line(node: SyntaxNode): number {
    if (!this.lineStarts) {
      this.lineStarts = [0];
      for (let i = 0; i < this.src.length; i++) if (this.src.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    }
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= node.from) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  private text(node: SyntaxNode): string {
    return this.src.slice(node.from, node.to);
  }

  run(): void {
    const tree = parsePython(this.src);
    tree.iterate({
      enter: (n) => {
        if (n.type.isError) this.syntaxErrors.push(this.line(n.node));
      },
    });
    this.syntaxErrors = [...new Set(this.syntaxErrors)];
    this.statements(tree.topNode, this.module);
    // Names functions read that this code never binds at module level must come from outside.
    for (const [name, line] of this.deferred) {
      if (this.everBound.has(name) || this.readSet.has(name)) continue;
      this.addRead(name, line);
      this.lazy.push(name);
    }
  }

  result(): NameFlow {
    return {
      reads: this.reads,
      defines: [...this.bound.keys()],
      mutates: [...this.mutated],
      functionFree: this.functionFree,
      imports: Object.fromEntries([...this.importedAt].filter(([n]) => this.bound.has(n))),
      lazy: this.lazy,
      readLines: this.readLines,
      starImport: this.starImport,
      syntaxErrors: this.syntaxErrors,
    };
  }

  private addRead(name: string, line: number): void {
    if (this.readSet.has(name)) return;
    this.readSet.add(name);
    this.reads.push(name);
    this.readLines[name] = line;
  }

  // ---- scopes --------------------------------------------------------------------------------

  /** Records a read of `name` occurring at `node` in `scope`. */
  private read(name: string, node: SyntaxNode, scope: Scope): void {
    let s: Scope | undefined = scope;
    let deferred = false;
    let first = true;
    while (s && s.kind !== "module") {
      if (s.kind === "function" && s.globals.has(name)) break;
      // Class bodies are visible only to code running directly in them.
      if (s.kind !== "class" || first) {
        if (s.locals.has(name)) return;
      }
      if (s.kind === "function") deferred = true;
      first = false;
      s = s.parent;
    }
    if (deferred) {
      this.owner?.add(name);
      if (!this.deferred.has(name)) this.deferred.set(name, this.line(node));
      return;
    }
    if (!this.bound.has(name)) this.addRead(name, this.line(node));
  }

  /** Binds `name` in `scope` (module-level bindings are what the code defines). */
  private bind(name: string, scope: Scope): void {
    if (scope.kind === "module" || (scope.kind === "function" && scope.globals.has(name))) {
      this.importedAt.delete(name);
      this.bound.set(name, true);
      this.everBound.add(name);
      return;
    }
    if (scope.kind === "comp") {
      // A walrus inside a comprehension binds in the enclosing scope; loop targets are pre-collected.
      if (!scope.locals.has(name)) this.bind(name, scope.parent ?? this.module);
      return;
    }
    scope.locals.add(name);
  }

  private unbind(name: string, scope: Scope): void {
    if (scope.kind === "module" || (scope.kind === "function" && scope.globals.has(name))) this.bound.delete(name);
    else scope.locals.delete(name);
  }

  /** `df[...] = …` / `df.x = …` / `df.append(…)`: a read of the object and a new version of it. */
  private mutate(name: string, node: SyntaxNode, scope: Scope): void {
    this.mutationLog.push(name);
    this.read(name, node, scope);
    if (scope.kind === "module" || (scope.kind === "function" && scope.globals.has(name))) {
      if (!this.bound.has(name)) this.mutated.add(name);
      this.bind(name, scope);
    }
  }

  // ---- statements ----------------------------------------------------------------------------

  private statements(parent: SyntaxNode, scope: Scope): void {
    for (let c = parent.firstChild; c; c = c.nextSibling) this.statement(c, scope);
  }

  private statement(node: SyntaxNode, scope: Scope): void {
    switch (node.name) {
      case "AssignStatement":
        return this.assign(node, scope);
      case "UpdateStatement":
        return this.update(node, scope);
      case "ExpressionStatement":
        return this.expressionStatement(node, scope);
      case "ForStatement":
        return this.forStatement(node, scope);
      case "WithStatement":
      case "TryStatement":
        return this.withAs(node, scope);
      case "ImportStatement":
        return this.importStatement(node, scope);
      case "FunctionDefinition":
        return this.functionDef(node, scope, []);
      case "ClassDefinition":
        return this.classDef(node, scope, []);
      case "DecoratedStatement":
        return this.decorated(node, scope);
      case "ScopeStatement":
        return this.scopeStatement(node, scope);
      case "DeleteStatement":
        return this.deleteStatement(node, scope);
      case "MatchStatement":
        return this.matchStatement(node, scope);
      case "Body":
      case "MatchBody":
      case "StatementGroup": // `a = 1; b = a` on one line
        return this.statements(node, scope);
      default:
        return this.generic(node, scope);
    }
  }

  /** Children of a node, split at tokens named `sep`. */
  private segments(node: SyntaxNode, isSep: (n: SyntaxNode) => boolean): SyntaxNode[][] {
    const out: SyntaxNode[][] = [[]];
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (isSep(c)) out.push([]);
      else out[out.length - 1]!.push(c);
    }
    return out;
  }

  private assign(node: SyntaxNode, scope: Scope): void {
    const parts = this.segments(node, (n) => n.name === "AssignOp");
    const value = parts.length > 1 ? parts[parts.length - 1]! : [];
    const targets = parts.length > 1 ? parts.slice(0, -1) : [];
    if (parts.length === 1) {
      // `x: int` (annotation only) binds nothing; read the annotation.
      for (const n of parts[0]!) if (n.name === "TypeDef") this.expr(n, scope);
      return;
    }
    for (const n of value) this.expr(n, scope);
    if (scope.kind === "module") {
      // remember `data = [train, test]` so a loop over data that changes its items changes train and test
      const elements = value.length === 1 ? this.plainNames(value[0]!) : undefined;
      for (const seg of targets) {
        if (seg.length !== 1 || seg[0]!.name !== "VariableName") continue;
        if (elements) this.containers.set(this.text(seg[0]!), elements);
        else this.containers.delete(this.text(seg[0]!));
      }
    }
    for (const seg of targets) {
      for (const n of seg) {
        if (n.name === "TypeDef") this.expr(n, scope);
        else this.target(n, scope);
      }
    }
  }

  private update(node: SyntaxNode, scope: Scope): void {
    const parts = this.segments(node, (n) => n.name === "UpdateOp");
    for (const n of parts[1] ?? []) this.expr(n, scope);
    for (const n of parts[0] ?? []) {
      if (n.name === "VariableName") {
        this.read(this.text(n), n, scope);
        this.bind(this.text(n), scope);
      } else this.target(n, scope);
    }
  }

  private expressionStatement(node: SyntaxNode, scope: Scope): void {
    this.generic(node, scope);
    // A statement-level `name.method(…)` call is done for its effect on `name`, unless the method
    // is known to leave its object alone (or returns a changed copy and is not called inplace).
    const call = node.firstChild;
    if (call?.name !== "CallExpression") return;
    const callee = call.firstChild;
    if (callee?.name !== "MemberExpression") return;
    const obj = callee.firstChild;
    const prop = callee.lastChild;
    if (obj?.name !== "VariableName" || prop?.name !== "PropertyName") return;
    const method = this.text(prop);
    if (NON_MUTATING_METHODS.has(method) || this.importedAt.has(this.text(obj))) return;
    if (COPY_UNLESS_INPLACE.has(method) && !this.inplace(call)) return;
    this.mutate(this.text(obj), obj, scope);
  }

  /** True when a call passes `inplace=True`. */
  private inplace(call: SyntaxNode): boolean {
    const args = call.getChild("ArgList");
    for (let c = args?.firstChild ?? null; c; c = c.nextSibling) {
      if (c.name === "VariableName" && this.text(c) === "inplace" && c.nextSibling?.name === "AssignOp") {
        const v = c.nextSibling.nextSibling;
        return !!v && this.text(v) === "True";
      }
    }
    return false;
  }

  /**
   * Any call of an always-mutating method (or one passed `inplace=True`) on a name or a part of it,
   * wherever it appears: `Xt = scaler.fit_transform(X)`, `df["a"].fillna(0, inplace=True)`.
   */
  private callMutation(call: SyntaxNode, scope: Scope): void {
    const callee = call.firstChild;
    if (callee?.name !== "MemberExpression") return;
    const prop = callee.lastChild;
    if (prop?.name !== "PropertyName") return;
    if (!ALWAYS_MUTATING.has(this.text(prop)) && !this.inplace(call)) return;
    let root: SyntaxNode | null = callee.firstChild;
    while (root?.name === "MemberExpression") root = root.firstChild;
    if (root?.name !== "VariableName" || this.importedAt.has(this.text(root))) return;
    this.mutate(this.text(root), root, scope);
  }

  /** Binds an assignment target: names, tuples/lists, starred names, subscripts and attributes. */
  private target(node: SyntaxNode, scope: Scope): void {
    switch (node.name) {
      case "VariableName":
        return this.bind(this.text(node), scope);
      case "TupleExpression":
      case "ArrayExpression":
      case "ParenthesizedExpression":
        for (let c = node.firstChild; c; c = c.nextSibling) this.target(c, scope);
        return;
      case "MemberExpression": {
        // Everything but the root object is read; the root object is read and redefined.
        let root: SyntaxNode | null = node;
        while (root && root.name === "MemberExpression") root = root.firstChild;
        for (let c = node.firstChild; c; c = c.nextSibling) {
          if (c !== root) this.exprSkippingRoot(c, root, scope);
        }
        if (root?.name === "VariableName") this.mutate(this.text(root), root, scope);
        else if (root) this.expr(root, scope);
        return;
      }
      default:
        // punctuation (`,`, `*`, `(`) and anything exotic: read what it reads
        if (node.firstChild) this.expr(node, scope);
    }
  }

  private exprSkippingRoot(node: SyntaxNode, root: SyntaxNode | null, scope: Scope): void {
    if (root && node.from === root.from && node.to === root.to && node.name === root.name) return;
    if (node.name === "MemberExpression") {
      for (let c = node.firstChild; c; c = c.nextSibling) this.exprSkippingRoot(c, root, scope);
      return;
    }
    this.expr(node, scope);
  }

  private forStatement(node: SyntaxNode, scope: Scope): void {
    // for TARGETS in ITER Body [else Body]
    const targets: SyntaxNode[] = [];
    const rest: SyntaxNode[] = [];
    let iter: SyntaxNode | undefined;
    let phase: "pre" | "targets" | "iter" = "pre";
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.name === "for") phase = "targets";
      else if (c.name === "in" && phase === "targets") phase = "iter";
      else if (c.name === "Body") rest.push(c);
      else if (phase === "targets") targets.push(c);
      else if (phase === "iter") {
        iter ??= c;
        this.expr(c, scope);
      }
    }
    for (const t of targets) this.target(t, scope);
    const before = this.mutationLog.length;
    for (const b of rest) this.statements(b, scope);
    // `for d in [train, test]: d["x"] = …` (or over `data = [train, test]`) changes train and test.
    const loopVar = targets.length === 1 && targets[0]!.name === "VariableName" ? this.text(targets[0]!) : undefined;
    if (loopVar && iter && this.mutationLog.slice(before).includes(loopVar)) {
      for (const n of this.loopElements(iter)) this.mutate(n, iter, scope);
    }
  }

  /** The plain names a loop over `iter` visits: a literal list/tuple of names, or a known container and its elements. */
  private loopElements(iter: SyntaxNode): string[] {
    if (iter.name === "VariableName") {
      const name = this.text(iter);
      return [name, ...(this.containers.get(name) ?? [])];
    }
    return this.plainNames(iter) ?? [];
  }

  /** The names of a list/tuple display holding only plain names (`[a, b]`, `(a, b)`), else undefined. */
  private plainNames(node: SyntaxNode): string[] | undefined {
    if (node.name !== "ArrayExpression" && node.name !== "TupleExpression" && node.name !== "ParenthesizedExpression") return undefined;
    const out: string[] = [];
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.name === "VariableName") out.push(this.text(c));
      else if (![",", "[", "]", "(", ")"].includes(c.name)) return undefined;
    }
    return out.length ? out : undefined;
  }

  /** with/try: expressions are read, the node after `as` is bound, bodies run in order. */
  private withAs(node: SyntaxNode, scope: Scope): void {
    let afterAs = false;
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.name === "as") {
        afterAs = true;
        continue;
      }
      if (afterAs) {
        this.target(c, scope);
        afterAs = false;
      } else if (c.name === "Body") this.statements(c, scope);
      else this.expr(c, scope);
    }
  }

  private importStatement(node: SyntaxNode, scope: Scope): void {
    const isFrom = node.firstChild?.name === "from";
    let seenImport = !isFrom;
    const names: SyntaxNode[][] = [[]];
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.name === "import") {
        seenImport = true;
        continue;
      }
      if (!seenImport) continue;
      if (c.name === ",") names.push([]);
      else if (c.name === "*") this.starImport = true;
      else if (c.name !== "(" && c.name !== ")") names[names.length - 1]!.push(c);
    }
    // `from X import` part, verbatim (relative dots included)
    let fromPart = "";
    if (isFrom) {
      const imp = node.getChild("import");
      if (imp) fromPart = this.src.slice(node.from, imp.from).trim().replace(/\s+/g, " ");
    }
    for (const seg of names) {
      const asIdx = seg.findIndex((n) => n.name === "as");
      const nameNode = asIdx >= 0 ? seg[asIdx + 1] : seg.find((n) => n.name === "VariableName");
      if (nameNode?.name === "VariableName") {
        const name = this.text(nameNode);
        this.bind(name, scope);
        if (scope.kind === "module") {
          const what = seg.map((n) => (n.name === "as" ? " as " : this.text(n))).join("").trim();
          const statement = isFrom ? `${fromPart} import ${what}` : `import ${what}`;
          this.importedAt.set(name, { statement, line: this.line(node) });
        }
      }
    }
  }

  private decorated(node: SyntaxNode, scope: Scope): void {
    const decorators: SyntaxNode[] = [];
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.name === "Decorator") decorators.push(c);
      else if (c.name === "FunctionDefinition") this.functionDef(c, scope, decorators);
      else if (c.name === "ClassDefinition") this.classDef(c, scope, decorators);
    }
  }

  private withOwner(name: string, scope: Scope, fn: () => void): void {
    if (scope.kind !== "module" || this.owner) return fn();
    const free = new Set<string>();
    this.owner = free;
    try {
      fn();
    } finally {
      this.owner = undefined;
    }
    this.functionFree[name] = [...free];
  }

  private functionDef(node: SyntaxNode, scope: Scope, decorators: SyntaxNode[]): void {
    for (const d of decorators) this.expr(d, scope);
    const nameNode = node.getChild("VariableName");
    const name = nameNode ? this.text(nameNode) : "";
    const params = node.getChild("ParamList");
    const body = node.getChild("Body");
    const fscope: Scope = { kind: "function", parent: scope, locals: new Set(), globals: new Set() };
    if (params) this.paramList(params, scope, fscope);
    // Return annotation: `def f() -> T:`
    for (let c = node.firstChild; c; c = c.nextSibling) if (c.name === "TypeDef") this.expr(c, scope);
    if (name) this.bind(name, scope);
    if (!body) return;
    collectBindings(body, fscope, this.src);
    this.withOwner(name, scope, () => this.statements(body, fscope));
  }

  /** Parameters bind in the function; defaults and annotations are read where the def runs. */
  private paramList(params: SyntaxNode, outer: Scope, inner: Scope): void {
    let afterAssign = false;
    for (let c = params.firstChild; c; c = c.nextSibling) {
      if (c.name === "AssignOp") {
        afterAssign = true;
        continue;
      }
      if (afterAssign) {
        this.expr(c, outer);
        afterAssign = false;
      } else if (c.name === "VariableName") inner.locals.add(this.text(c));
      else if (c.name === "TypeDef") this.expr(c, outer);
    }
  }

  private classDef(node: SyntaxNode, scope: Scope, decorators: SyntaxNode[]): void {
    for (const d of decorators) this.expr(d, scope);
    const nameNode = node.getChild("VariableName");
    const name = nameNode ? this.text(nameNode) : "";
    const bases = node.getChild("ArgList");
    if (bases) this.expr(bases, scope);
    const body = node.getChild("Body");
    const cscope: Scope = { kind: "class", parent: scope, locals: new Set(), globals: new Set() };
    if (body) this.withOwner(name, scope, () => this.statements(body, cscope));
    if (name) this.bind(name, scope);
  }

  private scopeStatement(node: SyntaxNode, scope: Scope): void {
    if (node.firstChild?.name !== "global" || scope.kind !== "function") return;
    for (let c: SyntaxNode | null = node.firstChild; c; c = c.nextSibling) {
      if (c.name === "VariableName") scope.globals.add(this.text(c));
    }
  }

  private deleteStatement(node: SyntaxNode, scope: Scope): void {
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.name === "VariableName") {
        this.read(this.text(c), c, scope);
        this.unbind(this.text(c), scope);
      } else if (c.name === "MemberExpression") this.target(c, scope);
      else if (c.firstChild) this.expr(c, scope);
    }
  }

  private matchStatement(node: SyntaxNode, scope: Scope): void {
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.name === "MatchBody") {
        for (let clause = c.firstChild; clause; clause = clause.nextSibling) {
          for (let k = clause.firstChild; k; k = k.nextSibling) {
            if (k.name === "Body") this.statements(k, scope);
            else this.pattern(k, scope);
          }
        }
      } else this.expr(c, scope);
    }
  }

  private pattern(node: SyntaxNode, scope: Scope): void {
    if (node.name === "CapturePattern" || node.name === "AsPattern") {
      for (let c = node.firstChild; c; c = c.nextSibling) {
        if (c.name === "VariableName") this.bind(this.text(c), scope);
        else this.pattern(c, scope);
      }
      return;
    }
    if (node.name === "VariableName") return this.read(this.text(node), node, scope);
    for (let c = node.firstChild; c; c = c.nextSibling) this.pattern(c, scope);
  }

  // ---- expressions ---------------------------------------------------------------------------

  /** Anything not a known statement: read its names, handling nested scopes. */
  private generic(node: SyntaxNode, scope: Scope): void {
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.name === "Body") this.statements(c, scope);
      else this.expr(c, scope);
    }
  }

  private expr(node: SyntaxNode, scope: Scope): void {
    switch (node.name) {
      case "VariableName":
        return this.read(this.text(node), node, scope);
      case "LambdaExpression":
        return this.lambda(node, scope);
      case "ArrayComprehensionExpression":
      case "DictionaryComprehensionExpression":
      case "SetComprehensionExpression":
      case "ComprehensionExpression":
        return this.comprehension(node, scope);
      case "NamedExpression": {
        const target = node.firstChild;
        for (let c = target?.nextSibling ?? null; c; c = c.nextSibling) this.expr(c, scope);
        if (target?.name === "VariableName") this.bind(this.text(target), scope);
        return;
      }
      case "ArgList":
        return this.argList(node, scope);
      case "Body":
        return this.statements(node, scope);
      case "CallExpression":
        for (let c = node.firstChild; c; c = c.nextSibling) this.expr(c, scope);
        return this.callMutation(node, scope);
      case "ConditionalExpression": {
        // `A if C else B` evaluates C first (a walrus in C binds before A reads it)
        const kids: SyntaxNode[] = [];
        for (let c = node.firstChild; c; c = c.nextSibling) kids.push(c);
        const cond = kids.findIndex((k) => k.name === "if") + 1;
        if (cond > 0 && kids[cond]) this.expr(kids[cond]!, scope);
        kids.forEach((k, i) => i !== cond && this.expr(k, scope));
        return;
      }
      default:
        // includes FormatString: `{…}` replacements and nested specs are expressions of this scope
        for (let c = node.firstChild; c; c = c.nextSibling) this.expr(c, scope);
    }
  }

  /** Call arguments: `name=` keywords are not reads. */
  private argList(node: SyntaxNode, scope: Scope): void {
    // `f(x for x in xs)`: a generator expression written as the only argument
    if (node.getChild("for")) return this.comprehension(node, scope);
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.name === "VariableName" && c.nextSibling?.name === "AssignOp") continue;
      if (c.name === "AssignOp") continue;
      this.expr(c, scope);
    }
  }

  private lambda(node: SyntaxNode, scope: Scope): void {
    const fscope: Scope = { kind: "function", parent: scope, locals: new Set(), globals: new Set() };
    const params = node.getChild("ParamList");
    if (params) this.paramList(params, scope, fscope);
    let afterColon = false;
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.name === ":") afterColon = true;
      else if (afterColon) this.expr(c, fscope);
    }
  }

  private comprehension(node: SyntaxNode, scope: Scope): void {
    // [ELT for T in ITER (if C)* (for T in ITER)*]: the first ITER runs in the enclosing scope.
    const cscope: Scope = { kind: "comp", parent: scope, locals: new Set(), globals: new Set() };
    const kids: SyntaxNode[] = [];
    for (let c = node.firstChild; c; c = c.nextSibling) kids.push(c);
    const targets: SyntaxNode[] = [];
    let phase: "elt" | "target" | "other" = "elt";
    for (const c of kids) {
      if (c.name === "for") phase = "target";
      else if (c.name === "in" || c.name === "if") phase = "other";
      else if (phase === "target") targets.push(c);
    }
    for (const t of targets) collectTargetNames(t, cscope.locals, this.src);
    let firstIter = true;
    let skipNode: SyntaxNode | null = null;
    phase = "elt";
    for (const c of kids) {
      if (c.name === "for" || c.name === "async") {
        phase = "target";
        continue;
      }
      if (c.name === "in") {
        phase = "other";
        if (firstIter) {
          firstIter = false;
          const iter = c.nextSibling;
          if (iter) {
            this.expr(iter, scope);
            skipNode = iter;
          }
        }
        continue;
      }
      if (phase === "target") {
        // targets may hold subscripts reading names
        if (c.name !== "VariableName" && c.firstChild) this.expr(c, cscope);
        continue;
      }
      if (skipNode && c.from === skipNode.from && c.to === skipNode.to) continue;
      this.expr(c, cscope);
    }
  }
}

/** Analyses module-level Python source: what it reads before defining, and what it defines. */
export function analyzeNames(source: string): NameFlow {
  const a = new Analyzer(source);
  a.run();
  return a.result();
}
