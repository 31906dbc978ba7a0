#!/usr/bin/env node
// Checks that the test pages only use JavaScript that Internet Explorer 11 runs (ES5).
//
//   node tests/pages/check_es5.js PATH...
//   node tests/pages/check_es5.js --expect-failures NAME[,NAME...] PATH...   (checker self-test)
//   node tests/pages/check_es5.js --expect-fail PATH...                      (self-test, all files)
//   node tests/pages/check_es5.js --function-bodies PATH...   (.js files are function bodies, as
//                                                             the harness's injected scripts)
//
// PATH is a folder (walked recursively) or a file. Every .js file is parsed with acorn as an
// ES5 script; every .html/.htm file has its inline <script> bodies (those without src) and its
// on*="..." attributes parsed the same way, with positions reported in the .html file.
// Beyond syntax, the AST is searched for ES2015+ library use that ES5 syntax does not catch
// (Promise, fetch, Map, .includes(), Object.assign, new CustomEvent(), ...), and .html files for
// module scripts and absolute http(s) URLs in src/href (the test machines have no internet).
//
// Exit status: 0 when everything is clean, 1 on any problem (each printed as
// `file:line:col: message`), on a missing path, or when no script at all was found (a wrong
// path must not pass). The self-test modes invert the sense: with --expect-failures, exit 0 only
// if every named file (matched by base name) was checked and has at least one problem and no
// other file has any; with --expect-fail, only if every checked file has a problem.
'use strict';

const fs = require('fs');
const path = require('path');

// Debian's node-acorn installs into /usr/share/nodejs, which is not on node's default module
// path unless NODE_PATH is set.
function requireAcorn(name) {
  try {
    return require(name);
  } catch (err) {
    return require(path.join('/usr/share/nodejs', name));
  }
}
const acorn = requireAcorn('acorn');
const walk = requireAcorn('acorn-walk');

// Globals that IE11 lacks (or, for Map/Set/WeakMap, implements only partly).
const FORBIDDEN_GLOBALS = new Set([
  'Promise', 'fetch', 'Symbol', 'Map', 'Set', 'WeakMap', 'WeakSet', 'Proxy', 'Reflect',
  'URLSearchParams', 'TextEncoder', 'TextDecoder', 'AbortController', 'IntersectionObserver',
  'ResizeObserver', 'queueMicrotask', 'globalThis',
]);
// Method names that only exist on ES2015+ built-ins: `x.includes(...)` and friends.
const FORBIDDEN_METHODS = new Set([
  'includes', 'startsWith', 'endsWith', 'find', 'findIndex', 'padStart', 'padEnd', 'repeat',
  'flat', 'flatMap', 'trimStart', 'trimEnd',
]);
// Static members of ES5 built-ins added later: `Object.assign`, `Array.from`, ...
const FORBIDDEN_STATICS = new Set([
  'Object.assign', 'Object.entries', 'Object.values', 'Object.is', 'Array.from', 'Array.of',
  'Number.isNaN', 'Number.isInteger', 'Number.isFinite', 'Math.trunc', 'Math.sign',
]);
// Constructors IE11 does not have (it needs document.createEvent / initEvent).
const FORBIDDEN_CONSTRUCTORS = new Set(['Event', 'CustomEvent', 'KeyboardEvent', 'MouseEvent', 'URL']);
// IE11 implements part of Map: `new Map()` without arguments, set (returning undefined, so not
// chainable), get, has, delete, clear, forEach and size. That subset is allowed; an argument
// to the constructor or a chained .set() is not.
const IE11_PARTIAL_CONSTRUCTORS = new Set(['Map']);
// Objects through which a global can be reached as a property: `window.fetch`.
const GLOBAL_OBJECTS = new Set(['window', 'self', 'top', 'parent']);

const ACORN_OPTIONS = { ecmaVersion: 5, sourceType: 'script', locations: true };

function parseArgs(argv) {
  const options = { expectFail: false, expectedFailures: null, paths: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--expect-fail') {
      options.expectFail = true;
    } else if (arg === '--function-bodies') {
      options.functionBodies = true;
    } else if (arg === '--expect-failures' || arg.startsWith('--expect-failures=')) {
      const list = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (!list) {
        options.usageError = '--expect-failures needs a comma-separated list of file names';
        continue;
      }
      options.expectedFailures = list.split(',').map((name) => name.trim()).filter(Boolean);
    } else if (arg === '-h' || arg === '--help') {
      options.help = true;
    } else {
      options.paths.push(arg);
    }
  }
  return options;
}

// A relative path is taken from the current directory, else from the repository root (ctest may
// run in the build directory).
function resolveInput(input) {
  if (fs.existsSync(input)) {
    return path.resolve(input);
  }
  const fromRoot = path.resolve(__dirname, '..', '..', input);
  if (!path.isAbsolute(input) && fs.existsSync(fromRoot)) {
    return fromRoot;
  }
  return null;
}

function listFiles(root) {
  const stat = fs.statSync(root);
  if (stat.isFile()) {
    return [root];
  }
  const out = [];
  for (const entry of fs.readdirSync(root, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) {
      continue;
    }
    const full = path.join(root, entry.name);
    if (entry.isDirectory()) {
      out.push(...listFiles(full));
    } else if (/\.(js|html?)$/i.test(entry.name)) {
      out.push(full);
    }
  }
  return out;
}

// Position (1-based line and column) of character `offset` in `text`.
function positionAt(text, offset) {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

// Maps an acorn location inside a snippet that starts at `base` (1-based line/column) in its file.
function mapLocation(base, loc) {
  if (loc.line === 1) {
    return { line: base.line, column: base.column + loc.column };
  }
  return { line: base.line + loc.line - 1, column: loc.column + 1 };
}

// Names the ES2015+ syntax in a script that does not parse as ES5 but does as the latest
// ECMAScript, so the message says "arrow function" rather than acorn's ES5 "Unexpected token".
// Returns [] when the script does not parse as modern JavaScript either.
function findModernSyntax(source, allowReturn) {
  let ast;
  try {
    ast = acorn.parse(source, { ecmaVersion: 'latest', sourceType: 'script', locations: true,
      allowReturnOutsideFunction: allowReturn, allowHashBang: true });
  } catch (err) {
    return [];
  }
  const found = [];
  const note = (node, what) => {
    found.push({ line: node.loc.start.line, column: node.loc.start.column + 1, message: `not ES5: ${what} (ES2015+)` });
  };
  walk.full(ast, (node) => {
    switch (node.type) {
      case 'ArrowFunctionExpression': note(node, 'arrow function'); break;
      case 'ClassDeclaration': case 'ClassExpression': note(node, 'class'); break;
      case 'TemplateLiteral': note(node, 'template literal'); break;
      case 'TaggedTemplateExpression': note(node, 'tagged template'); break;
      case 'ObjectPattern': case 'ArrayPattern': note(node, 'destructuring'); break;
      case 'AssignmentPattern': note(node, 'default value'); break;
      case 'SpreadElement': note(node, 'spread'); break;
      case 'RestElement': note(node, 'rest parameter/element'); break;
      case 'ForOfStatement': note(node, 'for...of'); break;
      case 'AwaitExpression': note(node, 'await'); break;
      case 'YieldExpression': note(node, 'yield'); break;
      case 'ChainExpression': note(node, 'optional chaining'); break;
      case 'ImportExpression': note(node, 'import()'); break;
      case 'MetaProperty': note(node, 'new.target/import.meta'); break;
      case 'VariableDeclaration':
        if (node.kind !== 'var') note(node, `'${node.kind}' declaration`);
        break;
      case 'FunctionDeclaration': case 'FunctionExpression':
        if (node.async) note(node, 'async function');
        else if (node.generator) note(node, 'generator function');
        break;
      case 'Property':
        if (node.shorthand) note(node, 'shorthand property');
        else if (node.method) note(node, 'method shorthand');
        else if (node.computed) note(node, 'computed property name');
        break;
      case 'LogicalExpression':
        if (node.operator === '??') note(node, "'??' operator");
        break;
      case 'BinaryExpression':
        if (node.operator === '**') note(node, "'**' operator");
        break;
      case 'AssignmentExpression':
        if (['**=', '??=', '||=', '&&='].indexOf(node.operator) >= 0) note(node, `'${node.operator}' operator`);
        break;
      case 'Literal':
        if (node.bigint !== undefined) note(node, 'BigInt literal');
        else if (node.regex && /[uysd]/.test(node.regex.flags)) note(node, `regular expression flag in /${node.regex.flags}`);
        else if (typeof node.raw === 'string' && /^0[bBoO]|_/.test(node.raw) && typeof node.value === 'number') note(node, 'binary/octal/separated number literal');
        break;
      default:
        break;
    }
  });
  found.sort((a, b) => a.line - b.line || a.column - b.column);
  return found;
}

// Parses one piece of script and returns problems as { line, column, message } with 1-based
// positions relative to the snippet.
function checkScript(source, { allowReturn = false } = {}) {
  let ast;
  try {
    ast = acorn.parse(source, Object.assign({ allowReturnOutsideFunction: allowReturn }, ACORN_OPTIONS));
  } catch (err) {
    if (err instanceof SyntaxError && err.loc) {
      const modern = findModernSyntax(source, allowReturn);
      if (modern.length > 0) {
        return modern;
      }
      const message = err.message.replace(/ \(\d+:\d+\)$/, '');
      return [{ line: err.loc.line, column: err.loc.column + 1, message: `not ES5: ${message}` }];
    }
    throw err;
  }

  // Names bound anywhere in the script (var, function, parameter, catch): a script that defines
  // its own `Map` is not using the ES2015 one.
  const declared = new Set();
  walk.simple(ast, {
    VariableDeclarator(node) { declared.add(node.id.name); },
    Function(node) {
      if (node.id) declared.add(node.id.name);
      for (const param of node.params) declared.add(param.name);
    },
    CatchClause(node) { if (node.param) declared.add(node.param.name); },
  });

  const problems = [];
  const report = (node, message) => {
    problems.push({ line: node.loc.start.line, column: node.loc.start.column + 1, message });
  };
  const underTypeof = (ancestors) => {
    const parent = ancestors[ancestors.length - 2];
    return parent && parent.type === 'UnaryExpression' && parent.operator === 'typeof';
  };

  walk.ancestor(ast, {
    // Only identifiers in expression position reach this visitor (not property names or keys).
    Identifier(node, _state, ancestors) {
      const parent = ancestors[ancestors.length - 2];
      if (IE11_PARTIAL_CONSTRUCTORS.has(node.name) && parent && parent.type === 'NewExpression' &&
          parent.callee === node && !declared.has(node.name)) {
        if (parent.arguments.length > 0) {
          report(node, `IE11's ${node.name} constructor takes no arguments: use new ${node.name}() and .set()`);
        }
        return;
      }
      if (FORBIDDEN_GLOBALS.has(node.name) && !declared.has(node.name) && !underTypeof(ancestors)) {
        report(node, `'${node.name}' is not available in IE11`);
      }
    },
    MemberExpression(node, _state, ancestors) {
      if (node.computed || node.property.type !== 'Identifier') {
        return;
      }
      const name = node.property.name;
      if (node.object.type === 'Identifier') {
        const dotted = `${node.object.name}.${name}`;
        if (FORBIDDEN_STATICS.has(dotted) && !declared.has(node.object.name)) {
          report(node, `'${dotted}' is not available in IE11`);
          return;
        }
        if (GLOBAL_OBJECTS.has(node.object.name) && FORBIDDEN_GLOBALS.has(name) && !underTypeof(ancestors)) {
          report(node.property, `'${dotted}' is not available in IE11`);
          return;
        }
      }
      const parent = ancestors[ancestors.length - 2];
      if (name === 'set' && node.object.type === 'CallExpression' &&
          node.object.callee.type === 'MemberExpression' && !node.object.callee.computed &&
          node.object.callee.property.name === 'set') {
        report(node.property, "IE11's Map.prototype.set returns undefined: '.set(...).set(...)' cannot be chained");
      }
      if (FORBIDDEN_METHODS.has(name) && parent && parent.type === 'CallExpression' && parent.callee === node) {
        report(node.property, `'.${name}()' is an ES2015+ method, not available in IE11`);
      }
    },
    NewExpression(node) {
      if (node.callee.type === 'Identifier' && FORBIDDEN_CONSTRUCTORS.has(node.callee.name) &&
          !declared.has(node.callee.name)) {
        report(node, `'new ${node.callee.name}()' is not supported by IE11` +
          (/Event$/.test(node.callee.name) ? ' (use document.createEvent and initEvent)' : ''));
      }
    },
  });
  return problems;
}

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
function decodeEntities(text) {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (all, body) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return String.fromCharCode(code);
    }
    return Object.prototype.hasOwnProperty.call(ENTITIES, body.toLowerCase()) ? ENTITIES[body.toLowerCase()] : all;
  });
}

const ATTRIBUTE_RE = /([^\s"'>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

// Attributes of a start tag: [{ name, value, valueOffset }] with offsets into the file.
function parseAttributes(tagText, tagOffset, nameLength) {
  const attributes = [];
  const body = tagText.slice(1 + nameLength);
  const bodyOffset = tagOffset + 1 + nameLength;
  ATTRIBUTE_RE.lastIndex = 0;
  let match;
  while ((match = ATTRIBUTE_RE.exec(body)) !== null) {
    let value = null;
    let quoteLength = 0;
    if (match[2] !== undefined) { value = match[2]; quoteLength = 1; }
    else if (match[3] !== undefined) { value = match[3]; quoteLength = 1; }
    else if (match[4] !== undefined) { value = match[4]; }
    const valueOffset = value === null ? -1 : bodyOffset + match.index + match[0].length - value.length - quoteLength;
    attributes.push({ name: match[1].toLowerCase(), value, valueOffset });
  }
  return attributes;
}

const JS_TYPES = new Set(['', 'text/javascript', 'application/javascript', 'text/ecmascript', 'application/ecmascript']);

// Yields the scripts of an HTML file: { kind, source, offset, allowReturn } plus html problems.
function extractFromHtml(text) {
  const scripts = [];
  const problems = [];
  const tagRe = /<!--[\s\S]*?-->|<(script|style|textarea|title)\b[^>]*>([\s\S]*?)<\/\1\s*>|<([a-zA-Z][a-zA-Z0-9-]*)\b(?:[^>"']|"[^"]*"|'[^']*')*>/gi;
  let match;
  while ((match = tagRe.exec(text)) !== null) {
    if (match[0].startsWith('<!--')) {
      continue;
    }
    const tagName = (match[1] || match[3]).toLowerCase();
    const openTag = match[1] ? match[0].slice(0, match[0].indexOf('>') + 1) : match[0];
    const attributes = parseAttributes(openTag.replace(/\/?>$/, ''), match.index, tagName.length);
    const attr = (name) => attributes.find((a) => a.name === name);

    for (const a of attributes) {
      if (/^on[a-z]+$/.test(a.name) && a.value !== null && a.value.trim() !== '') {
        scripts.push({ kind: `${a.name} attribute`, source: decodeEntities(a.value), offset: a.valueOffset, allowReturn: true });
      }
      if ((a.name === 'src' || a.name === 'href' || a.name === 'data') && a.value && /^\s*(https?:)?\/\//i.test(a.value)) {
        problems.push({ offset: a.valueOffset, message: `absolute URL '${a.value}' in ${a.name}: pages must load everything relative to their own server` });
      }
    }

    if (tagName === 'script') {
      const type = attr('type');
      const typeValue = type && type.value ? type.value.trim().toLowerCase() : '';
      if (typeValue === 'module') {
        problems.push({ offset: match.index, message: 'type="module" scripts do not run in IE11' });
        continue;
      }
      if (!JS_TYPES.has(typeValue) || attr('src')) {
        continue;
      }
      const bodyOffset = match.index + openTag.length;
      scripts.push({ kind: 'inline <script>', source: match[2], offset: bodyOffset, allowReturn: false });
    }
  }
  return { scripts, problems };
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.help || options.usageError || options.paths.length === 0) {
    if (options.usageError) process.stderr.write(`check_es5: ${options.usageError}\n`);
    process.stderr.write('usage: node tests/pages/check_es5.js [--expect-failures NAME,... | --expect-fail] PATH...\n');
    return options.help ? 0 : 2;
  }

  const problems = [];
  const filesWithProblems = new Set();
  const counts = { jsFiles: 0, htmlFiles: 0, inlineScripts: 0, handlers: 0 };
  const checkedFiles = [];
  const add = (file, line, column, message) => {
    problems.push({ file, line, column, text: `${path.relative(process.cwd(), file) || file}:${line}:${column}: ${message}` });
    filesWithProblems.add(file);
  };

  for (const input of options.paths) {
    const root = resolveInput(input);
    if (!root) {
      process.stderr.write(`check_es5: ${input}: no such file or directory\n`);
      return 1;
    }
    for (const file of listFiles(root)) {
      const text = fs.readFileSync(file, 'utf8');
      checkedFiles.push(file);
      if (/\.js$/i.test(file)) {
        counts.jsFiles++;
        for (const p of checkScript(text, { allowReturn: Boolean(options.functionBodies) })) {
          add(file, p.line, p.column, p.message);
        }
        continue;
      }
      counts.htmlFiles++;
      const { scripts, problems: htmlProblems } = extractFromHtml(text);
      for (const p of htmlProblems) {
        const pos = positionAt(text, p.offset);
        add(file, pos.line, pos.column, p.message);
      }
      for (const script of scripts) {
        if (script.kind === 'inline <script>') counts.inlineScripts++;
        else counts.handlers++;
        const base = positionAt(text, script.offset);
        for (const p of checkScript(script.source, { allowReturn: script.allowReturn })) {
          const pos = mapLocation(base, { line: p.line, column: p.column - 1 });
          add(file, pos.line, pos.column, `${p.message} (in ${script.kind})`);
        }
      }
    }
  }

  // Files in walk order, problems of a file by position.
  const fileOrder = new Map(checkedFiles.map((f, i) => [f, i]));
  problems.sort((a, b) => fileOrder.get(a.file) - fileOrder.get(b.file) || a.line - b.line || a.column - b.column);

  const scriptCount = counts.jsFiles + counts.inlineScripts + counts.handlers;
  const summary = `${counts.jsFiles} .js file(s), ${counts.inlineScripts} inline script(s) and ` +
    `${counts.handlers} event-handler attribute(s) in ${counts.htmlFiles} .html file(s)`;

  if (options.expectedFailures) {
    for (const p of problems) process.stdout.write(`${p.text}\n`);
    const errors = [];
    for (const name of options.expectedFailures) {
      const matches = checkedFiles.filter((f) => path.basename(f) === name);
      if (matches.length === 0) errors.push(`${name} was not found`);
      for (const f of matches) {
        if (!filesWithProblems.has(f)) errors.push(`${path.relative(process.cwd(), f)} passed but should fail`);
      }
    }
    for (const f of filesWithProblems) {
      if (options.expectedFailures.indexOf(path.basename(f)) < 0) {
        errors.push(`${path.relative(process.cwd(), f)} failed but is not in --expect-failures`);
      }
    }
    if (errors.length > 0) {
      for (const e of errors) process.stderr.write(`check_es5: --expect-failures: ${e}\n`);
      process.stdout.write(`check_es5: FAILED: the checker did not reject exactly ${options.expectedFailures.join(', ')}\n`);
      return 1;
    }
    process.stdout.write(`check_es5: OK: ${options.expectedFailures.join(', ')} rejected as expected (checked ${summary})\n`);
    return 0;
  }

  if (options.expectFail) {
    for (const p of problems) process.stdout.write(`${p.text}\n`);
    const clean = checkedFiles.filter((f) => !filesWithProblems.has(f));
    if (checkedFiles.length === 0) {
      process.stderr.write('check_es5: --expect-fail: no file found\n');
      return 1;
    }
    if (clean.length > 0) {
      for (const f of clean) process.stderr.write(`check_es5: --expect-fail: ${path.relative(process.cwd(), f)} passed but should fail\n`);
      return 1;
    }
    process.stdout.write(`check_es5: OK: all ${checkedFiles.length} file(s) were rejected as expected\n`);
    return 0;
  }

  if (problems.length > 0) {
    for (const p of problems) process.stdout.write(`${p.text}\n`);
    process.stdout.write(`check_es5: FAILED: ${problems.length} problem(s) in ${filesWithProblems.size} file(s); checked ${summary}\n`);
    return 1;
  }
  if (scriptCount === 0) {
    process.stdout.write(`check_es5: FAILED: no script found under ${options.paths.join(' ')} (checked ${summary})\n`);
    return 1;
  }
  process.stdout.write(`check_es5: OK: ${summary} are ES5\n`);
  return 0;
}

process.exitCode = main();
