/**
 * A small OData $filter evaluator: comparisons (eq, ne, lt, le, gt, ge) of a property with a
 * literal (string, number, true/false, null, GUID, ISO date), joined by and / or / not and
 * parentheses. Enough for the queries the MailRouter connector sends; anything else is a 400.
 */
export type Row = Record<string, unknown>;
type Expr = (row: Row) => boolean;

const TOKEN = /\s*(\(|\)|'(?:[^']|'')*'|[A-Za-z_][\w@.]*|-?\d{4}-\d\d-\d\dT[\d:.]+Z?|-?[\w-]+)/y;

export class FilterSyntaxError extends Error {}

function tokenize(text: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (TOKEN.lastIndex < text.length && (m = TOKEN.exec(text))) out.push(m[1]);
  if (TOKEN.lastIndex < text.trimEnd().length) throw new FilterSyntaxError(`cannot parse $filter near "${text.slice(TOKEN.lastIndex)}"`);
  return out;
}

function literal(tok: string): unknown {
  if (tok.startsWith("'")) return tok.slice(1, -1).replace(/''/g, "'");
  if (tok === 'null') return null;
  if (tok === 'true' || tok === 'false') return tok === 'true';
  if (/^-?\d+(\.\d+)?$/.test(tok)) return Number(tok);
  return tok; // GUIDs and dates compare as strings
}

function compare(op: string, a: unknown, b: unknown): boolean {
  const norm = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v ?? null);
  const x = norm(a);
  const y = norm(b);
  switch (op) {
    case 'eq': return x === y;
    case 'ne': return x !== y;
    case 'lt': return x !== null && y !== null && (x as number) < (y as number);
    case 'le': return x !== null && y !== null && (x as number) <= (y as number);
    case 'gt': return x !== null && y !== null && (x as number) > (y as number);
    case 'ge': return x !== null && y !== null && (x as number) >= (y as number);
    default: throw new FilterSyntaxError(`unsupported operator ${op}`);
  }
}

export function parseFilter(text: string): Expr {
  const toks = tokenize(text);
  let i = 0;
  const peek = () => toks[i];
  const next = () => toks[i++];
  const orExpr = (): Expr => {
    let left = andExpr();
    while (peek() === 'or') { next(); const l = left, r = andExpr(); left = (row) => l(row) || r(row); }
    return left;
  };
  const andExpr = (): Expr => {
    let left = unary();
    while (peek() === 'and') { next(); const l = left, r = unary(); left = (row) => l(row) && r(row); }
    return left;
  };
  const unary = (): Expr => {
    if (peek() === 'not') { next(); const e = unary(); return (row) => !e(row); }
    if (peek() === '(') {
      next();
      const e = orExpr();
      if (next() !== ')') throw new FilterSyntaxError('missing )');
      return e;
    }
    const prop = next();
    const op = next();
    const value = next();
    if (!prop || !op || value === undefined) throw new FilterSyntaxError(`incomplete comparison in $filter "${text}"`);
    const lit = literal(value);
    return (row) => compare(op, row[prop], lit);
  };
  const expr = orExpr();
  if (i !== toks.length) throw new FilterSyntaxError(`unexpected "${toks[i]}" in $filter`);
  return expr;
}
