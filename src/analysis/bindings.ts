/** Which names a Python function body binds (Python decides a name's scope per function, not per line). */
import type { SyntaxNode } from "@lezer/common";

/** The part of a scope the binding pass fills. */
export interface LocalScope {
  locals: Set<string>;
  globals: Set<string>;
}

/** Adds the plain names a target expression binds. */
export function collectTargetNames(node: SyntaxNode, into: Set<string>, src: string): void {
  if (node.name === "VariableName") {
    into.add(src.slice(node.from, node.to));
    return;
  }
  if (node.name === "TupleExpression" || node.name === "ArrayExpression" || node.name === "ParenthesizedExpression") {
    for (let c = node.firstChild; c; c = c.nextSibling) collectTargetNames(c, into, src);
  }
}

/** Pre-collects every name a function body binds (Python decides locality per function). */
export function collectBindings(body: SyntaxNode, scope: LocalScope, src: string): void {
  const globals = new Set<string>();
  const nonlocals = new Set<string>();
  const walk = (node: SyntaxNode): void => {
    for (let c = node.firstChild; c; c = c.nextSibling) {
      switch (c.name) {
        case "FunctionDefinition":
        case "ClassDefinition": {
          const n = c.getChild("VariableName");
          if (n) scope.locals.add(src.slice(n.from, n.to));
          continue; // their bodies are their own scopes
        }
        case "DecoratedStatement":
          walk(c);
          continue;
        case "LambdaExpression":
        case "ArrayComprehensionExpression":
        case "DictionaryComprehensionExpression":
        case "SetComprehensionExpression":
        case "ComprehensionExpression":
          continue;
        case "ScopeStatement": {
          const isGlobal = c.firstChild?.name === "global";
          for (let k = c.firstChild; k; k = k.nextSibling) {
            if (k.name !== "VariableName") continue;
            if (isGlobal) globals.add(src.slice(k.from, k.to));
            else nonlocals.add(src.slice(k.from, k.to));
          }
          continue;
        }
        case "AssignStatement": {
          const kids: SyntaxNode[] = [];
          for (let k = c.firstChild; k; k = k.nextSibling) kids.push(k);
          const lastOp = kids.map((k) => k.name).lastIndexOf("AssignOp");
          kids.forEach((k, i) => {
            if (i < lastOp && k.name !== "AssignOp") collectTargetNames(k, scope.locals, src);
          });
          walk(c);
          continue;
        }
        case "UpdateStatement": {
          const t = c.firstChild;
          if (t) collectTargetNames(t, scope.locals, src);
          walk(c);
          continue;
        }
        case "ForStatement": {
          let inTargets = false;
          for (let k = c.firstChild; k; k = k.nextSibling) {
            if (k.name === "for") inTargets = true;
            else if (k.name === "in") inTargets = false;
            else if (inTargets) collectTargetNames(k, scope.locals, src);
          }
          walk(c);
          continue;
        }
        case "WithStatement":
        case "TryStatement": {
          for (let k = c.firstChild; k; k = k.nextSibling) {
            if (k.name === "as" && k.nextSibling) collectTargetNames(k.nextSibling, scope.locals, src);
          }
          walk(c);
          continue;
        }
        case "ImportStatement": {
          const isFrom = c.firstChild?.name === "from";
          let seenImport = !isFrom;
          let seg: SyntaxNode[] = [];
          const flush = () => {
            const asIdx = seg.findIndex((n) => n.name === "as");
            const nn = asIdx >= 0 ? seg[asIdx + 1] : seg.find((n) => n.name === "VariableName");
            if (nn?.name === "VariableName") scope.locals.add(src.slice(nn.from, nn.to));
            seg = [];
          };
          for (let k = c.firstChild; k; k = k.nextSibling) {
            if (k.name === "import") seenImport = true;
            else if (!seenImport) continue;
            else if (k.name === ",") flush();
            else seg.push(k);
          }
          flush();
          continue;
        }
        case "NamedExpression": {
          const t = c.firstChild;
          if (t?.name === "VariableName") scope.locals.add(src.slice(t.from, t.to));
          walk(c);
          continue;
        }
        case "CapturePattern": {
          const t = c.getChild("VariableName");
          if (t) scope.locals.add(src.slice(t.from, t.to));
          walk(c);
          continue;
        }
        default:
          walk(c);
      }
    }
  };
  walk(body);
  for (const n of nonlocals) scope.locals.delete(n);
  for (const g of globals) {
    scope.locals.delete(g);
    scope.globals.add(g);
  }
}

