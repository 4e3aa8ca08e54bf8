// What the portal shows of an API's definition, whatever its format. The server parses each
// format with its own maintained parser into this shape; the web app renders it. Every string in
// it comes from a descriptor and is untrusted: render it as text, never as HTML.

export type DefinitionFormat = 'openapi' | 'asyncapi' | 'graphql' | 'grpc' | 'text';

export interface OperationParameter {
  name: string;
  /** path, query, header, cookie (OpenAPI); argument (GraphQL). */
  in: string;
  required: boolean;
  description?: string;
  schema?: unknown;
}

export interface OperationBody {
  contentType: string;
  schema?: unknown;
}

export interface OperationResponse {
  status: string;
  description?: string;
  content: OperationBody[];
}

/** An HTTP operation, a GraphQL root field or a gRPC method. */
export interface ApiOperation {
  /** GET, POST... for OpenAPI; QUERY, MUTATION, SUBSCRIPTION for GraphQL; RPC for gRPC. */
  method: string;
  /** The HTTP path, the GraphQL field name or `package.Service/Method`. */
  path: string;
  summary?: string;
  description?: string;
  operationId?: string;
  deprecated?: boolean;
  tags?: string[];
  parameters: OperationParameter[];
  requestBody: OperationBody[];
  responses: OperationResponse[];
}

export interface ChannelMessage {
  name?: string;
  title?: string;
  summary?: string;
  contentType?: string;
  payload?: unknown;
}

/** An AsyncAPI channel and what flows through it. */
export interface ApiChannel {
  address: string;
  description?: string;
  /** publish/subscribe (AsyncAPI 2), send/receive (AsyncAPI 3). */
  actions: string[];
  messages: ChannelMessage[];
}

export interface DefinitionProblem {
  severity: 'error' | 'warning';
  message: string;
  /** 1-based line in the definition, when the parser says where. */
  line?: number;
}

export interface DefinitionView {
  /** spec.type as written (openapi, asyncapi, graphql, grpc, or anything else). */
  type: string;
  format: DefinitionFormat;
  title?: string;
  version?: string;
  description?: string;
  operations: ApiOperation[];
  channels: ApiChannel[];
  /** The definition exactly as the descriptor (or its placeholder target) gave it. */
  source: string;
  /** The highlight.js language of the source, when it has one. */
  language?: string;
  /**
   * The source as sanitised HTML with highlight.js classes; only the HTTP response has it (it is
   * made when asked for, not stored).
   */
  highlighted?: string;
  problems: DefinitionProblem[];
}

/** What a Component's API list shows per API: how much it offers and whether it parsed. */
export interface DefinitionSummary {
  format: DefinitionFormat;
  operations: number;
  channels: number;
  errors: number;
}

export function summarizeDefinition(view: DefinitionView): DefinitionSummary {
  return {
    format: view.format,
    operations: view.operations.length,
    channels: view.channels.length,
    errors: view.problems.filter((p) => p.severity === 'error').length,
  };
}

/** The format a spec.type names; unknown types are shown as plain text. */
export function definitionFormat(type: unknown): DefinitionFormat {
  const t = typeof type === 'string' ? type.toLowerCase() : '';
  if (t === 'openapi' || t === 'swagger') return 'openapi';
  if (t === 'asyncapi') return 'asyncapi';
  if (t === 'graphql') return 'graphql';
  if (t === 'grpc' || t === 'protobuf') return 'grpc';
  return 'text';
}

export const API_RELATIONS = ['providesApi', 'consumesApi', 'apiProvidedBy', 'apiConsumedBy'] as const;
export type ApiRelation = (typeof API_RELATIONS)[number];

/** An entity named by an API relation, as a list row shows it. */
export interface RelatedEntity {
  ref: string;
  /** False when the relation names an entity the catalog does not have. */
  found: boolean;
  title?: string;
  description?: string;
  type?: string;
  lifecycle?: string;
  owner?: string;
  /** For APIs: how much the definition offers. */
  definition?: DefinitionSummary;
}

/** An entity's API relations: for a Component what it provides and consumes, for an API who does. */
export type ApiRelations = Record<ApiRelation, RelatedEntity[]>;
