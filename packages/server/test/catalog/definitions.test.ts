import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseDefinition } from '../../src/catalog/definitions/parse.ts';

const PETS_V3 = `openapi: 3.0.3
info: { title: Pets, version: 1.2.0, description: Pets for sale. }
paths:
  /pets/{petId}:
    parameters:
      - { name: petId, in: path, required: true, schema: { type: string } }
    get:
      summary: One pet
      operationId: getPet
      tags: [pets]
      parameters:
        - { name: fields, in: query, description: Fields to return, schema: { type: array, items: { type: string } } }
      responses:
        '200':
          description: The pet
          content:
            application/json: { schema: { $ref: '#/components/schemas/Pet' } }
        '404': { description: No such pet }
    put:
      summary: Replace a pet
      deprecated: true
      requestBody:
        content:
          application/json: { schema: { $ref: '#/components/schemas/Pet' } }
      responses:
        '204': { description: Replaced }
components:
  schemas:
    Pet:
      type: object
      required: [id]
      properties:
        id: { type: string }
        parent: { $ref: '#/components/schemas/Pet' }
`;

describe('API definitions', () => {
  it('reads OpenAPI 3 as operations with parameters, request and response schemas, $refs resolved', async () => {
    const view = await parseDefinition('openapi', PETS_V3);
    expect(view).toMatchObject({ format: 'openapi', title: 'Pets', version: '1.2.0', problems: [] });
    expect(view.operations.map((o) => `${o.method} ${o.path}`)).toEqual([
      'GET /pets/{petId}',
      'PUT /pets/{petId}',
    ]);
    const [get, put] = view.operations;
    expect(get).toMatchObject({ summary: 'One pet', operationId: 'getPet', tags: ['pets'] });
    // Path-level parameters apply to every operation of the path.
    expect(get!.parameters.map((p) => [p.name, p.in, p.required])).toEqual([
      ['petId', 'path', true],
      ['fields', 'query', false],
    ]);
    expect(get!.responses.map((r) => r.status)).toEqual(['200', '404']);
    const pet = get!.responses[0]!.content[0]!;
    expect(pet.contentType).toBe('application/json');
    // The $ref is resolved, and the self-reference is cut instead of looping.
    expect(pet.schema).toMatchObject({ type: 'object', properties: { id: { type: 'string' } } });
    expect(JSON.stringify(pet.schema)).toContain('(circular)');
    expect(put).toMatchObject({ deprecated: true, requestBody: [{ contentType: 'application/json' }] });
  });

  it('reads Swagger 2: body parameters become the request body, produces the response types', async () => {
    const view = await parseDefinition(
      'openapi',
      `swagger: '2.0'
info: { title: Store, version: '1' }
produces: [application/xml]
paths:
  /orders:
    post:
      summary: Place an order
      parameters:
        - { in: body, name: order, required: true, schema: { $ref: '#/definitions/Order' } }
        - { in: header, name: X-Trace, type: string }
      responses:
        '201': { description: Placed, schema: { $ref: '#/definitions/Order' } }
definitions:
  Order: { type: object, properties: { qty: { type: integer } } }
`,
    );
    expect(view.problems).toEqual([]);
    const [op] = view.operations;
    expect(op!.parameters.map((p) => [p.name, p.in, p.schema])).toEqual([
      ['X-Trace', 'header', { type: 'string' }],
    ]);
    expect(op!.requestBody).toEqual([
      {
        contentType: 'application/json',
        schema: { type: 'object', properties: { qty: { type: 'integer' } } },
      },
    ]);
    expect(op!.responses[0]).toMatchObject({ status: '201', content: [{ contentType: 'application/xml' }] });
  });

  it('shows what it can of an invalid OpenAPI document and says what is wrong', async () => {
    const view = await parseDefinition(
      'openapi',
      'openapi: 3.0.0\ninfo: { title: X }\npaths:\n  /a: { get: { responses: {} } }\n',
    );
    expect(view.operations.map((o) => o.path)).toEqual(['/a']);
    expect(view.problems.map((p) => p.message)).toContain("#/info must have required property 'version'");
    const broken = await parseDefinition('openapi', 'openapi: 3.0.0\npaths:\n  /a: [\n');
    expect(broken.operations).toEqual([]);
    expect(broken.problems[0]).toMatchObject({ severity: 'error', line: expect.any(Number) });
    expect(broken.source).toBe('openapi: 3.0.0\npaths:\n  /a: [\n');
  });

  it('never follows external references, for OpenAPI or AsyncAPI', async () => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      res.end('{"type":"string"}');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/schema.json`;
    try {
      const openapi = await parseDefinition(
        'openapi',
        `openapi: 3.0.0\ninfo: { title: X, version: '1' }\npaths:\n  /a: { get: { responses: { '200': { description: ok, content: { application/json: { schema: { $ref: '${url}' } } } } } } }\n`,
      );
      const asyncapi = await parseDefinition(
        'asyncapi',
        `asyncapi: 2.6.0\ninfo: { title: E, version: '1' }\nchannels:\n  a:\n    subscribe:\n      message: { payload: { $ref: '${url}' } }\n`,
      );
      const fileRef = await parseDefinition(
        'openapi',
        `openapi: 3.0.0\ninfo: { title: X, version: '1' }\npaths:\n  /a: { get: { responses: { '200': { $ref: '/etc/passwd' } } } }\n`,
      );
      expect(requests).toBe(0);
      expect(openapi.operations).toHaveLength(1);
      expect(asyncapi.problems.map((p) => p.message)).toContain('external $ref references are not read');
      expect(JSON.stringify(fileRef)).not.toContain('root:');
    } finally {
      server.close();
    }
  });

  it('reads AsyncAPI 2 and 3 as channels with their messages', async () => {
    const v2 = await parseDefinition(
      'asyncapi',
      `asyncapi: 2.6.0
info: { title: Orders, version: 1.0.0 }
channels:
  orders.created:
    description: Every order placed.
    subscribe:
      message:
        name: OrderCreated
        summary: An order was placed.
        contentType: application/json
        payload: { type: object, properties: { id: { type: string } } }
`,
    );
    expect(v2.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(v2.channels).toEqual([
      {
        address: 'orders.created',
        description: 'Every order placed.',
        actions: [expect.any(String)],
        messages: [
          {
            name: 'OrderCreated',
            summary: 'An order was placed.',
            contentType: 'application/json',
            payload: { type: 'object', properties: { id: { type: 'string' } } },
          },
        ],
      },
    ]);
    const v3 = await parseDefinition(
      'asyncapi',
      `asyncapi: 3.0.0
info: { title: Users, version: '1' }
channels:
  userSignedUp:
    address: users/{userId}/signed-up
    parameters: { userId: {} }
    messages:
      signedUp: { name: SignedUp, payload: { type: object } }
operations:
  onSignUp:
    action: receive
    channel: { $ref: '#/channels/userSignedUp' }
`,
    );
    expect(v3.channels.map((c) => [c.address, c.actions, c.messages.map((m) => m.name)])).toEqual([
      ['users/{userId}/signed-up', ['receive'], ['SignedUp']],
    ]);
  });

  it("checks every AsyncAPI document against its own version's specification, one after another", async () => {
    // The structure validator is compiled once per version and shared across documents: a 3.0
    // document must still be judged by 3.0's schema after a 2.6 one, and the other way round.
    const errors = async (text: string) =>
      (await parseDefinition('asyncapi', text)).problems.filter((p) => p.severity === 'error');
    const v3WithV2Channel = `asyncapi: 3.0.0
info: { title: Mixed, version: '1' }
channels:
  a:
    subscribe: { message: { payload: { type: object } } }
`;
    const v2WithV3Channel = `asyncapi: 2.6.0
info: { title: Mixed, version: '1' }
channels:
  a:
    address: a
    messages: { m: { payload: { type: object } } }
`;
    for (let round = 0; round < 2; round++) {
      expect((await errors(v3WithV2Channel)).map((p) => p.message)).toContainEqual(
        expect.stringMatching(/"subscribe" is not expected|Property "subscribe"/),
      );
      expect((await errors(v2WithV3Channel)).map((p) => p.message)).toContainEqual(
        expect.stringMatching(/Property "(address|messages)" is not expected/),
      );
    }
  });

  it('keeps schemas written inside one AsyncAPI document out of the next', async () => {
    // Two documents give the same $id to different schemas; each example is checked against
    // its own document's schema, not a validator compiled for the other one.
    const withExample = (type: string, example: string) => `asyncapi: 2.6.0
info: { title: Ids, version: '1' }
channels:
  a:
    subscribe:
      message:
        payload: { $id: 'urn:example:shared', type: ${type} }
        examples: [{ payload: ${example} }]
`;
    const first = await parseDefinition('asyncapi', withExample('string', '"text"'));
    expect(first.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const second = await parseDefinition('asyncapi', withExample('number', '"text"'));
    expect(second.problems.filter((p) => p.severity === 'error').map((p) => p.message)).toContainEqual(
      expect.stringMatching(/number/),
    );
  });

  it('parses AsyncAPI documents in tens of milliseconds once the first has been read', async () => {
    // Each document used to recompile the specification's schema (about 0.3 s); a catalog with
    // hundreds of AsyncAPI APIs paid minutes on its first refresh. The bound is loose for a busy
    // machine and still far below the old cost.
    const doc = (i: number) =>
      `asyncapi: 2.6.0\ninfo: { title: T${i}, version: '1' }\nchannels:\n  c${i}:\n    subscribe:\n      message: { payload: { type: object } }\n`;
    await parseDefinition('asyncapi', doc(0));
    const started = performance.now();
    for (let i = 1; i <= 20; i++) await parseDefinition('asyncapi', doc(i));
    expect((performance.now() - started) / 20).toBeLessThan(120);
  });

  it('reads GraphQL root fields and gRPC methods as operations, and keeps their source', async () => {
    const gql = await parseDefinition(
      'graphql',
      'schema { query: Root }\ntype Root {\n  "Finds a track"\n  track(id: ID!, market: String): Track\n}\ntype Mutation { like(id: ID!): Boolean @deprecated }\ntype Track { id: ID! }\n',
    );
    expect(gql).toMatchObject({ format: 'graphql', language: 'graphql', problems: [] });
    expect(
      gql.operations.map((o) => [o.method, o.path, o.summary, o.parameters.map((p) => p.required)]),
    ).toEqual([
      ['QUERY', 'track', 'Finds a track', [true, false]],
      ['MUTATION', 'like', undefined, [true]],
    ]);
    const grpc = await parseDefinition(
      'grpc',
      'syntax = "proto3";\npackage search.v1;\nservice Search {\n  // Runs a query.\n  rpc Query (QueryRequest) returns (stream QueryResponse);\n}\nmessage QueryRequest { string q = 1; }\nmessage QueryResponse {}\n',
    );
    expect(grpc.operations).toMatchObject([
      {
        method: 'RPC',
        path: 'search.v1.Search/Query',
        summary: 'Runs a query.',
        requestBody: [{ contentType: 'message', schema: { type: 'QueryRequest' } }],
        responses: [{ content: [{ contentType: 'stream', schema: { type: 'QueryResponse' } }] }],
      },
    ]);
    const bad = await parseDefinition('grpc', 'syntax = "proto3";\nservice {\n');
    expect(bad.problems[0]).toMatchObject({ severity: 'error', line: 2 });
    expect((await parseDefinition('graphql', 'type Query {')).problems[0]).toMatchObject({ line: 1 });
  });

  it('shows other types and unresolved definitions as source, with a warning for the latter', async () => {
    expect(await parseDefinition('thrift', 'service X {}')).toMatchObject({
      format: 'text',
      source: 'service X {}',
      problems: [],
    });
    const unresolved = await parseDefinition('openapi', { $text: 'https://example.com/openapi.yaml' });
    expect(unresolved.format).toBe('text');
    expect(unresolved.source).toContain('$text');
    expect(unresolved.problems[0]!.severity).toBe('warning');
  });
});
