// gRPC definitions (.proto) with protobufjs: the source is shown highlighted, and every rpc of
// every service is an operation, with its request and response message types.
import type { ApiOperation, DefinitionView } from '@portolan/core/apis/definition';
import protobuf from 'protobufjs';
import { firstLine } from './schema.ts';

export function parseGrpc(type: string, source: string): DefinitionView {
  const view: DefinitionView = {
    type,
    format: 'grpc',
    operations: [],
    channels: [],
    source,
    language: 'protobuf',
    problems: [],
  };
  let root: protobuf.Root;
  try {
    root = protobuf.parse(source, { keepCase: true, alternateCommentMode: true }).root;
  } catch (error) {
    const line = /line (\d+)/.exec(firstLine(error))?.[1];
    view.problems.push({
      severity: 'error',
      message: firstLine(error),
      ...(line ? { line: Number(line) } : {}),
    });
    return view;
  }
  const visit = (ns: protobuf.NamespaceBase) => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Service) {
        const service = nested.fullName.replace(/^\./, '');
        for (const m of nested.methodsArray) {
          const op: ApiOperation = {
            method: 'RPC',
            path: `${service}/${m.name}`,
            parameters: [],
            requestBody: [
              { contentType: m.requestStream ? 'stream' : 'message', schema: { type: m.requestType } },
            ],
            responses: [
              {
                status: 'reply',
                content: [
                  { contentType: m.responseStream ? 'stream' : 'message', schema: { type: m.responseType } },
                ],
              },
            ],
          };
          if (m.comment) op.summary = m.comment.split('\n')[0]!;
          view.operations.push(op);
        }
      } else if (nested instanceof protobuf.Namespace) visit(nested);
    }
  };
  visit(root);
  return view;
}
