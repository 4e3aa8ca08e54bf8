// AsyncAPI 2.x and 3.0 definitions as channels and their messages, with @asyncapi/parser (which
// validates with the specification's own ruleset). External references are answered with
// nothing rather than read: a definition is untrusted input.
import { Parser } from '@asyncapi/parser';
// The rule function that checks a document against the AsyncAPI specification's JSON Schema. The
// package exports no public path to it, so it is read from its CommonJS build (pinned by the
// lock file; tests parse documents the schema rejects, so a moved file fails them).
import { documentStructure } from '@asyncapi/parser/cjs/ruleset/functions/documentStructure.js';
import type { ApiChannel, ChannelMessage, DefinitionView } from '@portolan/core/apis/definition';
import { boundedSchema, firstLine, optionalString } from './schema.ts';

const refuse = (schema: string) => ({ schema, order: 1, read: async () => 'null' });

/**
 * Spectral, the linter the parser runs, compiles JSON Schemas into validators once per document
 * it checks (its cache is keyed by the document), so the specification's own schema, a large one,
 * was compiled again for every definition: about 0.3 s each (the bench catalog's 381 AsyncAPI
 * definitions took 130 s to parse; with the shared validator, 6 s). That schema is the same for every document of a version, so
 * the two structure rules run with one context key shared by all documents, and the validator is
 * compiled once per AsyncAPI version. Schemas written inside a document (examples, defaults) are
 * still compiled per document, as they must be: two documents may use the same $id differently.
 */
const SHARED_VALIDATORS = {};
type RuleFunction = (input: unknown, options: unknown, context: Record<string, unknown>) => unknown;
const sharedStructure: RuleFunction = (input, options, context) =>
  (documentStructure as unknown as RuleFunction)(input, options, {
    ...context,
    documentInventory: SHARED_VALIDATORS,
  });
const structureRule = (resolved: boolean) => ({
  description: `The document's ${resolved ? 'resolved' : 'unresolved'} structure is valid AsyncAPI.`,
  message: '{{error}}',
  severity: 'error' as const,
  recommended: true,
  resolved,
  given: '$',
  // biome-ignore lint/suspicious/noThenProperty: the linter's rule format names its action `then`
  then: { function: sharedStructure, functionOptions: { resolved } },
});

type ParserOptions = NonNullable<ConstructorParameters<typeof Parser>[0]>;
let parser: Parser | undefined;
const parserOnce = () =>
  (parser ??= new Parser({
    // The specification's own rules only: the recommended ones (contact, license, tags...) are
    // style advice, and checking them costs most of the parse time.
    ruleset: {
      core: true,
      recommended: false,
      rules: {
        // An information-level note (never shown) that built a fresh schema validator for
        // every document just to compare the version with the latest one.
        'asyncapi-latest-version': 'off',
        'asyncapi-document-resolved': 'off',
        'asyncapi-document-unresolved': 'off',
        'portolan-asyncapi-resolved': structureRule(true),
        'portolan-asyncapi-unresolved': structureRule(false),
      },
    } as ParserOptions['ruleset'],
    __unstable: { resolver: { resolvers: [refuse('file'), refuse('http'), refuse('https')] } },
  }));

export async function parseAsyncApi(type: string, source: string): Promise<DefinitionView> {
  const view: DefinitionView = {
    type,
    format: 'asyncapi',
    operations: [],
    channels: [],
    source,
    language: /^\s*[{[]/.test(source) ? 'json' : 'yaml',
    problems: [],
  };
  if (/\$ref['"]?\s*:\s*['"]?(?!#)[^\s'"]/.test(source)) {
    view.problems.push({ severity: 'warning', message: 'external $ref references are not read' });
  }
  let output: Awaited<ReturnType<Parser['parse']>>;
  try {
    output = await parserOnce().parse(source);
  } catch (error) {
    view.problems.push({ severity: 'error', message: firstLine(error) });
    return view;
  }
  for (const d of output.diagnostics) {
    if (d.severity > 1) continue; // 0 error, 1 warning; information and hints are not shown
    view.problems.push({
      severity: d.severity === 0 ? 'error' : 'warning',
      message: `${d.message}${d.path.length > 0 ? ` (at ${d.path.join('.')})` : ''}`.slice(0, 500),
      line: d.range.start.line + 1,
    });
  }
  const doc = output.document;
  if (!doc) return view;
  const info = doc.info();
  view.title = info.title();
  view.version = info.version();
  const description = optionalString(info.description());
  if (description) view.description = description;
  for (const channel of doc.channels().all()) {
    const c: ApiChannel = {
      address: channel.address() ?? channel.id(),
      actions: [
        ...new Set(
          channel
            .operations()
            .all()
            .map((o) => o.action()),
        ),
      ],
      messages: [],
    };
    const channelDescription = optionalString(channel.description());
    if (channelDescription) c.description = channelDescription;
    for (const m of channel.messages().all()) {
      const message: ChannelMessage = {};
      const set = (key: 'name' | 'title' | 'summary' | 'contentType', value: string | undefined) => {
        if (optionalString(value)) message[key] = value!;
      };
      set('name', m.name() ?? (m.id().startsWith('<anonymous') ? undefined : m.id()));
      set('title', m.title());
      set('summary', m.summary());
      set('contentType', m.contentType());
      const payload = m.payload()?.json();
      if (payload !== undefined) message.payload = boundedSchema(stripParserKeys(payload));
      c.messages.push(message);
    }
    view.channels.push(c);
  }
  return view;
}

/** The parser marks schemas with its own `x-parser-*` keys; they are not the author's. */
function stripParserKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripParserKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (!k.startsWith('x-parser-')) out[k] = stripParserKeys(v);
  return out;
}
