// Tokenizes clive with the TextMate grammar, through the same engine VS Code
// uses (vscode-textmate + the Oniguruma WASM build), and checks the scopes of
// the constructs of docs/language.md.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const test = require('node:test');
const oniguruma = require('vscode-oniguruma');
const textmate = require('vscode-textmate');

const root = path.join(__dirname, '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const grammarPath = path.join(root, manifest.contributes.grammars[0].path);

async function loadGrammar() {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async () => textmate.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath),
  });
  return registry.loadGrammar('source.clive');
}

// [{text, scopes}] for every token of `source`, line by line.
function tokenize(grammar, source) {
  const tokens = [];
  let state = textmate.INITIAL;
  for (const line of source.split('\n')) {
    const result = grammar.tokenizeLine(line, state);
    for (const token of result.tokens) {
      tokens.push({ text: line.slice(token.startIndex, token.endIndex), scopes: token.scopes });
    }
    state = result.ruleStack;
  }
  return tokens;
}

// The scopes of the `nth` token (0: the first) whose text is `text`.
function scopeOf(tokens, text, nth = 0) {
  const matches = tokens.filter((token) => token.text === text);
  assert.ok(matches.length > nth, `no token ${JSON.stringify(text)} (#${nth})`);
  return matches[nth].scopes;
}

function assertScope(tokens, text, scope, nth = 0) {
  const scopes = scopeOf(tokens, text, nth);
  assert.ok(scopes.some((s) => s.startsWith(scope)), `${JSON.stringify(text)}: ${scopes.join(' ')} lacks ${scope}`);
}

const SAMPLE = `/// JVM settings.
import clive.model.jvm.{JVM, JVMArgs as Args}
type Settings {
  enum Provider { OpenJDK, Oracle }
  @collect items: List<String> = []
  memory: Size = 512.MiB
  timeout: Duration = 30.s
  ratio: Float = 2.0e-3
  count: Int = 1_000
}
// a cell
fn <T> twice(x: T, f: (T) -> T): T = f(f(x))
fn Settings.bigger(): Settings = copy(memory = memory * 2)
val greeting = "hi \${name ?: "none"} and \\n"
/* block */ val on = if (true) null else when (x) { A -> 1; else -> 2 }
`;

test('the manifest contributes the grammar for language clive', () => {
  const grammar = JSON.parse(fs.readFileSync(grammarPath, 'utf8'));
  assert.equal(manifest.contributes.grammars[0].scopeName, grammar.scopeName);
  assert.equal(manifest.contributes.grammars[0].language, manifest.contributes.languages[0].id);
  assert.deepEqual(manifest.contributes.languages[0].filenames, ['clive.cl']);
  assert.deepEqual(manifest.contributes.languages[0].extensions, ['.cl']);
});

test('the grammar scopes every construct of the language', async () => {
  const tokens = tokenize(await loadGrammar(), SAMPLE);
  assertScope(tokens, ' JVM settings.', 'comment.line.documentation');
  assertScope(tokens, ' a cell', 'comment.line.double-slash');
  assertScope(tokens, ' block ', 'comment.block');
  assertScope(tokens, 'import', 'keyword.control.import');
  assertScope(tokens, 'as', 'keyword.control.import.as');
  assertScope(tokens, 'jvm', 'entity.name.namespace');
  assertScope(tokens, 'JVMArgs', 'entity.name.type');
  assertScope(tokens, 'type', 'storage.type');
  assertScope(tokens, 'Settings', 'entity.name.type');
  assertScope(tokens, 'Provider', 'entity.name.type');
  assertScope(tokens, 'collect', 'storage.type.annotation');
  assertScope(tokens, 'items', 'variable.other.property');
  assertScope(tokens, 'List', 'support.type');
  assertScope(tokens, 'Size', 'support.type.primitive');
  assertScope(tokens, '512', 'constant.numeric.quantity');
  assertScope(tokens, 'MiB', 'keyword.other.unit');
  assertScope(tokens, 's', 'keyword.other.unit');
  assertScope(tokens, '2.0e-3', 'constant.numeric.float');
  assertScope(tokens, '1_000', 'constant.numeric.integer');
  assertScope(tokens, 'twice', 'entity.name.function');
  assertScope(tokens, 'bigger', 'entity.name.function');
  assertScope(tokens, 'copy', 'entity.name.function.call');
  assertScope(tokens, '->', 'keyword.operator.arrow');
  assertScope(tokens, 'greeting', 'variable.other.definition');
  assertScope(tokens, '${', 'punctuation.section.interpolation.begin');
  assertScope(tokens, 'name', 'variable.other.clive');
  assert.ok(scopeOf(tokens, 'name').some((s) => s.startsWith('meta.interpolation')));
  assertScope(tokens, '?:', 'keyword.operator.elvis');
  // A string inside an interpolation, and the text after it in the outer string.
  assertScope(tokens, 'none', 'string.quoted.double');
  assertScope(tokens, ' and ', 'string.quoted.double');
  assertScope(tokens, '\\n', 'constant.character.escape');
  assertScope(tokens, 'if', 'keyword.control.conditional');
  assertScope(tokens, 'when', 'keyword.control.conditional');
  assertScope(tokens, 'true', 'constant.language.boolean');
  assertScope(tokens, 'null', 'constant.language.null');
});

test('the grammar tokenizes the repository examples without illegal tokens', async () => {
  const grammar = await loadGrammar();
  const examples = path.join(root, '..', '..', 'examples');
  const files = fs.readdirSync(examples, { recursive: true }).filter((f) => f.endsWith('.cl'));
  assert.ok(files.length > 0);
  for (const file of files) {
    const tokens = tokenize(grammar, fs.readFileSync(path.join(examples, file), 'utf8'));
    const illegal = tokens.filter((t) => t.scopes.some((s) => s.startsWith('invalid')));
    assert.deepEqual(illegal, [], file);
  }
});
