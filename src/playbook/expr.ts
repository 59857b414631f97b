// The condition language of `when`, `changed_when` and `failed_when`: small, safe (no eval), documented.
//
//   expr       := or
//   or         := and ("or" and)*
//   and        := not ("and" not)*
//   not        := "not" not | comparison
//   comparison := primary [ ("==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not in") primary
//                         | "is" ["not"] ("defined" | "undefined") ]
//   primary    := 'string' | "string" | number | -number | true | false | null | [expr, ...]
//               | path | "(" expr ")"
//   path       := name ("." name | "." index | "[" 'key' "]" | "[" index "]")*
//
// Semantics: "==" is deep equality without type coercion ("80" == 80 is false; key=value extra vars
// are strings). "<" etc. compare two numbers or two strings, anything else is an error. "in" tests
// list membership, substrings, or mapping keys. "and"/"or" short-circuit. Truthiness is Jinja's:
// false, null, 0, "", [] and {} are false. Reading a variable that is not defined is an error naming
// it, except under "is defined" / "is undefined". True/False/None are accepted as aliases.
export { ExprSyntaxError, parseExpr, type CompareOp, type Expr, type PathKey } from './expr-parse.js';
export { ExprError, evalExpr, truthy } from './expr-eval.js';
