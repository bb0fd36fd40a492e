// Nix's own abstract syntax (the Expr classes of src/libexpr/nixexpr.hh), which the lowering in
// lower.ts builds from the lossless tree with Nix's desugarings: `a - b` is a call of `__sub`,
// `a.b.c = 1` nested attribute sets, `"${x}"` a string concatenation, and so on. The printer for
// `nix-instantiate --parse` and the scope check work on this.
import type { SyntaxNode } from "./syntax.js";

export type AttrName = { name: string; expr?: undefined } | { name?: undefined; expr: Expr };

export interface AttrDef {
  e: Expr;
  /** `inherit x;` (not `inherit (e) x;`, which is a select). */
  inherited: boolean;
  /** Offset of the definition (its attribute path, or the inherit's names). */
  pos: number;
}

export interface DynamicAttrDef {
  nameExpr: Expr;
  valueExpr: Expr;
  pos: number;
}

export interface ExprAttrs {
  type: "attrs";
  rec: boolean;
  attrs: Map<string, AttrDef>;
  dynamic: DynamicAttrDef[];
  node?: SyntaxNode;
}

export interface Formal {
  name: string;
  def?: Expr;
  pos: number;
}

export type BinaryOperator = "==" | "!=" | "&&" | "||" | "->" | "//" | "++";

export type Expr =
  | { type: "int"; value: bigint }
  | { type: "float"; value: number }
  | { type: "string"; value: string }
  | { type: "path"; value: string }
  | { type: "var"; name: string; pos: number }
  | { type: "pos"; pos: number }
  | { type: "select"; e: Expr; path: AttrName[]; def?: Expr }
  | { type: "hasAttr"; e: Expr; path: AttrName[] }
  | ExprAttrs
  | { type: "list"; elems: Expr[] }
  | { type: "lambda"; arg: string; formals?: { list: Formal[]; ellipsis: boolean }; body: Expr; pos: number }
  | { type: "call"; fn: Expr; args: Expr[] }
  | { type: "let"; attrs: ExprAttrs; body: Expr }
  | { type: "with"; attrs: Expr; body: Expr }
  | { type: "if"; cond: Expr; then: Expr; else: Expr }
  | { type: "assert"; cond: Expr; body: Expr }
  | { type: "not"; e: Expr }
  | { type: "binop"; op: BinaryOperator; a: Expr; b: Expr }
  | { type: "concat"; forceString: boolean; parts: Expr[] }
  /** Stands in for a part of the tree that did not parse. */
  | { type: "error" };

/** Names Nix 2.8 binds at the top of every file (builtins that are also global, and `__`-prefixed
 * ones), as measured with nix-instantiate 2.8.0. `__curPos` is handled by the parser itself. */
export const NIX_BASE_ENV: ReadonlySet<string> = new Set([
  "__add", "__addErrorContext", "__all", "__any", "__appendContext", "__attrNames", "__attrValues",
  "__bitAnd", "__bitOr", "__bitXor", "__catAttrs", "__ceil", "__compareVersions", "__concatLists",
  "__concatMap", "__concatStringsSep", "__currentSystem", "__currentTime", "__deepSeq", "__div", "__elem",
  "__elemAt", "__fetchurl", "__filter", "__filterSource", "__findFile", "__floor", "__foldl'", "__fromJSON",
  "__functionArgs", "__genList", "__genericClosure", "__getAttr", "__getContext", "__getEnv", "__groupBy",
  "__hasAttr", "__hasContext", "__hashFile", "__hashString", "__head", "__intersectAttrs", "__isAttrs",
  "__isBool", "__isFloat", "__isFunction", "__isInt", "__isList", "__isPath", "__isString", "__langVersion",
  "__length", "__lessThan", "__listToAttrs", "__mapAttrs", "__match", "__mul", "__nixPath", "__nixVersion",
  "__parseDrvName", "__partition", "__path", "__pathExists", "__readDir", "__readFile", "__replaceStrings",
  "__seq", "__sort", "__split", "__splitVersion", "__storeDir", "__storePath", "__stringLength", "__sub",
  "__substring", "__tail", "__toFile", "__toJSON", "__toPath", "__toXML", "__trace", "__tryEval", "__typeOf",
  "__unsafeDiscardOutputDependency", "__unsafeDiscardStringContext", "__unsafeGetAttrPos", "__zipAttrsWith",
  "abort", "baseNameOf", "builtins", "derivation", "derivationStrict", "dirOf", "false", "fetchGit",
  "fetchMercurial", "fetchTarball", "fetchTree", "fromTOML", "import", "isNull", "map", "null", "placeholder",
  "removeAttrs", "scopedImport", "throw", "toString", "true",
]);
