/**
 * Bicep parsing for the infra tests, offline: the tree-sitter-bicep grammar (npm, ships
 * tree-sitter-bicep.wasm) loaded into web-tree-sitter (npm, ships the runtime tree-sitter.wasm).
 * Both .wasm files come from node_modules; nothing is downloaded or compiled at run time.
 *
 * This is a syntax check (the grammar is more lenient than the Bicep compiler: it accepts, say,
 * commas between object properties), plus helpers to read declarations, objects and strings out of
 * the tree for the structural checks in the other test files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Language, Parser, type Node, type Tree } from 'web-tree-sitter';

export type { Node } from 'web-tree-sitter';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const INFRA_DIR = join(REPO_ROOT, 'infra');

const require = createRequire(import.meta.url);
let parserPromise: Promise<Parser> | undefined;

/** The shared parser; the grammar's .wasm is resolved inside node_modules/tree-sitter-bicep. */
export function bicepParser(): Promise<Parser> {
  parserPromise ??= (async () => {
    await Parser.init();
    const language = await Language.load(require.resolve('tree-sitter-bicep/tree-sitter-bicep.wasm'));
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return parserPromise;
}

export interface SyntaxProblem {
  line: number;
  column: number;
  message: string;
}

export interface ParsedBicep {
  tree: Tree;
  root: Node;
  problems: SyntaxProblem[];
}

/** Parses Bicep text; `problems` lists every ERROR and MISSING node with its 1-based position. */
export async function parseBicep(text: string): Promise<ParsedBicep> {
  const parser = await bicepParser();
  const tree = parser.parse(text);
  if (!tree) throw new Error('tree-sitter returned no tree');
  return { tree, root: tree.rootNode, problems: syntaxProblems(tree.rootNode) };
}

export function syntaxProblems(root: Node): SyntaxProblem[] {
  const problems: SyntaxProblem[] = [];
  const visit = (node: Node) => {
    if (node.isError || node.isMissing) {
      const text = node.text.split('\n')[0]?.slice(0, 60) ?? '';
      problems.push({
        line: node.startPosition.row + 1,
        column: node.startPosition.column + 1,
        message: node.isMissing ? `missing ${node.type}` : `unexpected ${JSON.stringify(text)}`,
      });
      if (node.isMissing) return;
    }
    if (!node.hasError && !node.isError) return;
    for (const child of node.children) if (child) visit(child);
  };
  visit(root);
  return problems;
}

export function formatProblems(file: string, problems: SyntaxProblem[]): string {
  return problems.map((p) => `${file}:${p.line}:${p.column} ${p.message}`).join('\n');
}

/** Every .bicep file under infra/, as paths relative to the repository root (sorted). */
export function bicepFiles(dir = INFRA_DIR): string[] {
  const found: string[] = [];
  const walkDir = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walkDir(path);
      else if (entry.name.endsWith('.bicep')) found.push(relative(REPO_ROOT, path).split('\\').join('/'));
    }
  };
  walkDir(dir);
  return found.sort();
}

const parsedFiles = new Map<string, Promise<ParsedBicep>>();

/** Parses a file given relative to the repository root (cached per test file). */
export function parseBicepFile(relPath: string): Promise<ParsedBicep> {
  let parsed = parsedFiles.get(relPath);
  if (!parsed) {
    parsed = parseBicep(readFileSync(join(REPO_ROOT, relPath), 'utf8'));
    parsedFiles.set(relPath, parsed);
  }
  return parsed;
}

export function namedChildren(node: Node): Node[] {
  return node.namedChildren.filter((child): child is Node => child !== null);
}

/** Depth-first walk over named nodes. */
export function walk(node: Node, visit: (node: Node) => void): void {
  visit(node);
  for (const child of namedChildren(node)) walk(child, visit);
}

export function findAll(node: Node, predicate: (node: Node) => boolean): Node[] {
  const found: Node[] = [];
  walk(node, (n) => {
    if (predicate(n)) found.push(n);
  });
  return found;
}

/**
 * The value of a plain string literal ('…' or '''…''' without ${} interpolation), escapes decoded;
 * undefined for anything else.
 */
export function stringValue(node: Node | null | undefined): string | undefined {
  if (!node || node.type !== 'string') return undefined;
  const parts = namedChildren(node);
  if (parts.some((part) => part.type === 'interpolation')) return undefined;
  const text = node.text;
  if (text.startsWith("'''")) return text.slice(3, -3);
  return text
    .slice(1, -1)
    .replace(/\\u\{([0-9a-fA-F]+)\}/g, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/\\(['\\nrt$])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c);
}

/** Key of an object property: identifier or quoted string. */
export function propertyKey(property: Node): string {
  const key = namedChildren(property)[0];
  if (!key) return '';
  return stringValue(key) ?? key.text;
}

/** Value node of an object property (the last named child that is not a comment). */
export function propertyValue(property: Node): Node | undefined {
  const children = namedChildren(property).filter((c) => c.type !== 'comment');
  return children.length > 1 ? children[children.length - 1] : undefined;
}

/** The properties of an object literal, by key (first occurrence wins). */
export function objectProperties(object: Node | null | undefined): Map<string, Node> {
  const properties = new Map<string, Node>();
  if (!object || object.type !== 'object') return properties;
  for (const child of namedChildren(object)) {
    if (child.type !== 'object_property') continue;
    const key = propertyKey(child);
    const value = propertyValue(child);
    if (value && !properties.has(key)) properties.set(key, value);
  }
  return properties;
}

/** Follows a path of keys through nested object literals. */
export function objectPath(object: Node | null | undefined, ...keys: string[]): Node | undefined {
  let current: Node | undefined = object ?? undefined;
  for (const key of keys) {
    current = objectProperties(current).get(key);
    if (!current) return undefined;
  }
  return current;
}

export interface ParameterDeclaration {
  name: string;
  type: string;
  /** Default value node, if any. */
  defaultValue?: Node;
  /** Decorator calls written right above the declaration (`@minValue(1)` → minValue). */
  decorators: Map<string, Node>;
}

/** Top-level `param` declarations of a file, in order. */
export function parameters(root: Node): Map<string, ParameterDeclaration> {
  const result = new Map<string, ParameterDeclaration>();
  let pendingDecorators = new Map<string, Node>();
  for (const statement of namedChildren(root)) {
    if (statement.type === 'decorators') {
      for (const decorator of namedChildren(statement)) {
        const call = namedChildren(decorator)[0];
        const fn = call?.childForFieldName('function');
        if (call && fn) pendingDecorators.set(fn.text, call);
      }
      continue;
    }
    if (statement.type === 'comment') continue;
    if (statement.type === 'parameter_declaration') {
      const [identifier, type, defaultValue] = namedChildren(statement).filter((c) => c.type !== 'comment');
      if (identifier) {
        result.set(identifier.text, {
          name: identifier.text,
          type: type?.text ?? '',
          defaultValue,
          decorators: pendingDecorators,
        });
      }
    }
    pendingDecorators = new Map();
  }
  return result;
}

/** Arguments of a call expression (e.g. a decorator call). */
export function callArguments(call: Node): Node[] {
  const args = call.childForFieldName('arguments') ?? namedChildren(call).find((c) => c.type === 'arguments');
  return args ? namedChildren(args).filter((c) => c.type !== 'comment') : [];
}

export interface ResourceDeclaration {
  symbol: string;
  /** 'Microsoft.Web/sites@2024-04-01', or the nested short form ('containers'). */
  type: string;
  existing: boolean;
  /** The body object (for `if (…) { }` the object inside the condition). */
  body?: Node;
  condition?: Node;
  node: Node;
}

function declarationBody(declaration: Node): { body?: Node; condition?: Node } {
  for (const child of namedChildren(declaration)) {
    if (child.type === 'object') return { body: child };
    if (child.type === 'if_statement') {
      const parts = namedChildren(child);
      return { condition: parts.find((p) => p.type === 'parenthesized_expression'), body: parts.find((p) => p.type === 'object') };
    }
  }
  return {};
}

/** Every resource declaration in the file, nested ones included. */
export function resources(root: Node): ResourceDeclaration[] {
  return findAll(root, (n) => n.type === 'resource_declaration').map((node) => {
    const [symbol, type] = namedChildren(node);
    return {
      symbol: symbol?.text ?? '',
      type: stringValue(type) ?? type?.text ?? '',
      existing: node.children.some((c) => c?.type === 'existing'),
      ...declarationBody(node),
      node,
    };
  });
}

export interface ModuleDeclaration {
  symbol: string;
  path: string;
  body?: Node;
  condition?: Node;
  node: Node;
}

export function modules(root: Node): ModuleDeclaration[] {
  return findAll(root, (n) => n.type === 'module_declaration').map((node) => {
    const [symbol, path] = namedChildren(node);
    return { symbol: symbol?.text ?? '', path: stringValue(path) ?? path?.text ?? '', ...declarationBody(node), node };
  });
}

/** Name of the function of a call expression (`concat(…)` → concat). */
export function calleeName(call: Node): string | undefined {
  if (call.type !== 'call_expression') return undefined;
  return call.childForFieldName('function')?.text;
}
