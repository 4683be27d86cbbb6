import { type DescField, type DescMessage, type DescService, ScalarType } from '@bufbuild/protobuf';

const SCALAR_NAMES: Record<ScalarType, string> = {
  [ScalarType.DOUBLE]: 'double',
  [ScalarType.FLOAT]: 'float',
  [ScalarType.INT64]: 'int64',
  [ScalarType.UINT64]: 'uint64',
  [ScalarType.INT32]: 'int32',
  [ScalarType.FIXED64]: 'fixed64',
  [ScalarType.FIXED32]: 'fixed32',
  [ScalarType.BOOL]: 'bool',
  [ScalarType.STRING]: 'string',
  [ScalarType.BYTES]: 'bytes',
  [ScalarType.UINT32]: 'uint32',
  [ScalarType.SFIXED32]: 'sfixed32',
  [ScalarType.SFIXED64]: 'sfixed64',
  [ScalarType.SINT32]: 'sint32',
  [ScalarType.SINT64]: 'sint64',
};

function fieldType(field: DescField): string {
  switch (field.fieldKind) {
    case 'scalar':
      return SCALAR_NAMES[field.scalar];
    case 'enum':
      return field.enum.name;
    case 'message':
      return field.message.name;
    case 'list':
      return `repeated ${field.listKind === 'scalar' ? SCALAR_NAMES[field.scalar] : field.listKind === 'enum' ? field.enum.name : field.message.name}`;
    case 'map':
      return `map<${SCALAR_NAMES[field.mapKey]}, ${field.mapKind === 'scalar' ? SCALAR_NAMES[field.scalar] : field.mapKind === 'enum' ? field.enum.name : field.message.name}>`;
  }
}

/**
 * A message as .proto source, rebuilt from the generated code's embedded
 * descriptor: what the widget shows is exactly what the client was built from.
 */
export function messageToProto(message: DescMessage): string {
  const lines = message.fields.map((f) => `  ${fieldType(f)} ${f.name} = ${f.number};`);
  return `message ${message.name} {\n${lines.join('\n')}\n}`;
}

export function serviceToProto(service: DescService): string {
  const lines = service.methods.map((m) => {
    const input = `${m.methodKind === 'client_streaming' || m.methodKind === 'bidi_streaming' ? 'stream ' : ''}${m.input.name}`;
    const output = `${m.methodKind === 'server_streaming' || m.methodKind === 'bidi_streaming' ? 'stream ' : ''}${m.output.name}`;
    const option = m.idempotency === 1 ? ' {\n    option idempotency_level = NO_SIDE_EFFECTS;\n  }' : ';';
    return `  rpc ${m.name}(${input}) returns (${output})${option}`;
  });
  return `service ${service.name} {\n${lines.join('\n')}\n}`;
}
