/**
 * User expressions of mpc-expression and mpc-ranking: arithmetic and comparisons over columns of
 * different parties, parsed here in the clear (the expression is public, part of the job) and
 * evaluated on secret shares row by row. Grammar (precedence low → high):
 *   expr    := sum (('<' | '<=' | '>' | '>=' | '==' | '!=') sum)?
 *   sum     := product (('+' | '-') product)*
 *   product := unary (('*' | '/') unary)*
 *   unary   := '-' unary | atom
 *   atom    := number | column | '`' party:column '`' | fn '(' expr (',' expr)* ')' | '(' expr ')'
 *   fn      := min | max | sqrt | abs
 * Comparisons give 1 or 0. docs/protocols/mpc.md, "mpc-expression".
 */
import { mpcEncode, type MpcParty, type Proto, type Ring } from '@fedgrid/crypto';
import { ComponentError } from '../spec.js';

export type Expr =
  | { op: 'num'; value: number }
  | { op: 'col'; ref: string }
  | { op: 'neg' | 'sqrt' | 'abs'; a: Expr }
  | {
      op: '+' | '-' | '*' | '/' | '<' | '<=' | '>' | '>=' | '==' | '!=' | 'min' | 'max';
      a: Expr;
      b: Expr;
    };

const OPERATORS = '+ - * / < <= > >= == != ( ) , and the functions min, max, sqrt, abs';
const FUNCTIONS: Record<string, number> = { min: 2, max: 2, sqrt: 1, abs: 1 };

function fail(code: string, source: string, at: number, why: string): never {
  throw new ComponentError(code, `expression '${source}', position ${at + 1}: ${why}`, {
    position: at + 1,
  });
}

/**
 * Parses an expression.
 * @throws ComponentError EXPRESSION_OPERATOR for an unsupported operator or function (naming it
 *   and the supported ones), EXPRESSION_SYNTAX for anything else malformed, with the position.
 */
export function parseExpression(source: string): Expr {
  if (source.length > 4096)
    fail('EXPRESSION_SYNTAX', source.slice(0, 40) + '…', 0, 'longer than 4096 characters');
  let i = 0;
  const ws = () => {
    while (i < source.length && /\s/.test(source[i]!)) i++;
  };
  const peek = (s: string) => {
    ws();
    return source.startsWith(s, i);
  };
  const eat = (s: string) => {
    if (peek(s)) {
      i += s.length;
      return true;
    }
    return false;
  };
  let depth = 0;
  const expr = (): Expr => {
    if (++depth > 64) fail('EXPRESSION_SYNTAX', source, i, 'nested more than 64 levels');
    const a = sum();
    for (const op of ['<=', '>=', '==', '!=', '<', '>'] as const)
      if (eat(op)) {
        const b = sum();
        depth--;
        return { op, a, b };
      }
    depth--;
    return a;
  };
  const sum = (): Expr => {
    let a = product();
    for (;;) {
      if (eat('+')) a = { op: '+', a, b: product() };
      else if (peek('-')) {
        i++;
        a = { op: '-', a, b: product() };
      } else return a;
    }
  };
  const product = (): Expr => {
    let a = unary();
    for (;;) {
      ws();
      if (source.startsWith('**', i))
        fail(
          'EXPRESSION_OPERATOR',
          source,
          i,
          `unsupported operator '**' (supported: ${OPERATORS})`,
        );
      if (eat('*')) a = { op: '*', a, b: unary() };
      else if (eat('/')) {
        const at = i;
        const b = unary();
        if (b.op === 'num' && b.value === 0)
          fail('EXPRESSION_SYNTAX', source, at, 'division by the constant 0');
        a = { op: '/', a, b };
      } else return a;
    }
  };
  const unary = (): Expr => (eat('-') ? { op: 'neg', a: unary() } : atom());
  const atom = (): Expr => {
    ws();
    const at = i;
    if (i >= source.length) fail('EXPRESSION_SYNTAX', source, i, 'ends where a value is expected');
    if (eat('(')) {
      const e = expr();
      if (!eat(')')) fail('EXPRESSION_SYNTAX', source, i, "missing ')'");
      return e;
    }
    const num = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(source.slice(i));
    if (num) {
      i += num[0].length;
      return { op: 'num', value: Number(num[0]) };
    }
    if (source[i] === '`') {
      const end = source.indexOf('`', i + 1);
      if (end < 0) fail('EXPRESSION_SYNTAX', source, i, 'unclosed `');
      const ref = source.slice(i + 1, end);
      if (!ref) fail('EXPRESSION_SYNTAX', source, i, 'empty column name');
      i = end + 1;
      return { op: 'col', ref };
    }
    const id = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(source.slice(i));
    if (id) {
      i += id[0].length;
      if (peek('(')) {
        const arity = FUNCTIONS[id[0]];
        if (arity === undefined)
          fail(
            'EXPRESSION_OPERATOR',
            source,
            at,
            `unsupported function '${id[0]}' (supported: ${OPERATORS})`,
          );
        eat('(');
        const args = [expr()];
        while (eat(',')) args.push(expr());
        if (!eat(')')) fail('EXPRESSION_SYNTAX', source, i, "missing ')'");
        if (args.length !== arity)
          fail(
            'EXPRESSION_SYNTAX',
            source,
            at,
            `${id[0]} takes ${arity} argument${arity > 1 ? 's' : ''}, got ${args.length}`,
          );
        const name = id[0] as 'min' | 'max' | 'sqrt' | 'abs';
        return name === 'min' || name === 'max'
          ? { op: name, a: args[0]!, b: args[1]! }
          : { op: name, a: args[0]! };
      }
      return { op: 'col', ref: id[0] };
    }
    const op = /^[^\s\w`().]+/.exec(source.slice(i))?.[0] ?? source[i]!;
    fail(
      'EXPRESSION_OPERATOR',
      source,
      i,
      `unsupported operator '${op}' (supported: ${OPERATORS})`,
    );
  };
  const e = expr();
  ws();
  if (i < source.length) {
    const rest = /^[^\s\w`().]+/.exec(source.slice(i))?.[0];
    if (rest)
      fail(
        'EXPRESSION_OPERATOR',
        source,
        i,
        `unsupported operator '${rest}' (supported: ${OPERATORS})`,
      );
    fail('EXPRESSION_SYNTAX', source, i, `unexpected '${source.slice(i, i + 10)}'`);
  }
  return e;
}

/** The distinct column references of an expression, in order of appearance. */
export function expressionColumns(e: Expr, out: string[] = []): string[] {
  if (e.op === 'col') {
    if (!out.includes(e.ref)) out.push(e.ref);
  } else if (e.op !== 'num') {
    expressionColumns(e.a, out);
    if ('b' in e) expressionColumns(e.b, out);
  }
  return out;
}

/**
 * The first operator or function of `e` that needs the dealer's comparison or truncation
 * material — a comparison, a division by a non-constant, sqrt, abs, min, max — or undefined
 * when `e` uses only +, −, unary minus, products and division by constants (what the
 * dealer-free two-party mode evaluates).
 */
export function dealerOnlyOperator(e: Expr): string | undefined {
  switch (e.op) {
    case 'num':
    case 'col':
      return undefined;
    case 'neg':
      return dealerOnlyOperator(e.a);
    case 'sqrt':
    case 'abs':
    case 'min':
    case 'max':
      return e.op;
    case '+':
    case '-':
    case '*':
      return dealerOnlyOperator(e.a) ?? dealerOnlyOperator(e.b);
    case '/':
      return e.b.op === 'num' ? dealerOnlyOperator(e.a) : "'/' by a column";
    default:
      return `'${e.op}'`;
  }
}

/**
 * Evaluates an expression on shares, element-wise over n rows, at the engine's fixed point.
 * @param columns shares of each referenced column by reference, fixed point, n each.
 * @returns fixed-point shares of the value per row (comparisons: 1.0 or 0.0).
 */
export function* evaluateExpression(
  party: MpcParty,
  e: Expr,
  columns: ReadonlyMap<string, Ring>,
  n: number,
): Proto<Ring> {
  const f = party.fracBits;
  const one = 1n << BigInt(f);
  const publicVec = (v: number) =>
    party.constant(new BigUint64Array(n).fill(mpcEncode([v], f)[0]!));
  const bitToFixed = (b: Ring) => party.scale(b, one);
  const ev = function* (x: Expr): Proto<Ring> {
    switch (x.op) {
      case 'num':
        return publicVec(x.value);
      case 'col':
        return columns.get(x.ref)!;
      case 'neg':
        return party.scale(yield* ev(x.a), -1n);
      case 'abs': {
        const a = yield* ev(x.a);
        const s = yield* party.ltz(a);
        return party.sub(a, party.scale(yield* party.mulRing(s, a), 2n));
      }
      case 'sqrt':
        return yield* party.sqrt(yield* ev(x.a));
    }
    // Constant operands stay public: scaling by a constant needs no triple.
    if ((x.op === '*' || x.op === '/') && x.b.op === 'num') {
      const c = x.op === '*' ? x.b.value : 1 / x.b.value;
      return Number.isInteger(c)
        ? party.scale(yield* ev(x.a), BigInt(c))
        : yield* party.mulPublic(yield* ev(x.a), new Array<number>(n).fill(c));
    }
    if (x.op === '*' && x.a.op === 'num') {
      const c = x.a.value;
      return Number.isInteger(c)
        ? party.scale(yield* ev(x.b), BigInt(c))
        : yield* party.mulPublic(yield* ev(x.b), new Array<number>(n).fill(c));
    }
    const a = yield* ev(x.a);
    const b = yield* ev(x.b);
    switch (x.op) {
      case '+':
        return party.add(a, b);
      case '-':
        return party.sub(a, b);
      case '*':
        return yield* party.mul(a, b);
      case '/':
        return yield* party.div(a, b);
      case 'min':
        return yield* party.min(a, b);
      case 'max':
        return yield* party.max(a, b);
      case '<':
        return bitToFixed(yield* party.lt(a, b));
      case '>':
        return bitToFixed(yield* party.lt(b, a));
      case '<=':
        return bitToFixed(
          party.addPublic(party.scale(yield* party.lt(b, a), -1n), new BigUint64Array(n).fill(1n)),
        );
      case '>=':
        return bitToFixed(
          party.addPublic(party.scale(yield* party.lt(a, b), -1n), new BigUint64Array(n).fill(1n)),
        );
      case '==':
        return bitToFixed(yield* party.eq(a, b));
      case '!=':
        return bitToFixed(
          party.addPublic(party.scale(yield* party.eq(a, b), -1n), new BigUint64Array(n).fill(1n)),
        );
    }
  };
  return yield* ev(e);
}
