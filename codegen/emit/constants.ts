/**
 * constants.ts: frame types, frame-format sizes, the protocol header, and reply codes (as a
 * const object and as a map with each code's name and soft/hard severity).
 */
import { VariableDeclarationKind, type Project } from 'ts-morph';
import { FRAME_FORMAT_CONSTANTS, FRAME_TYPE_CONSTANTS, REPLY_SUCCESS } from '../conventions.js';
import type { Constant, Protocol } from '../model.js';
import { replyCodeKey, upperSnake } from '../names.js';
import { jsDoc, newFile, type EmitContext } from './common.js';

export const CONSTANTS_FILE = 'constants.ts';

/** Reply codes: the constants with an error class, plus reply-success. */
export function replyCodeConstants(protocol: Protocol): Constant[] {
  return protocol.constants.filter((c) => c.errorClass !== undefined || c.name === REPLY_SUCCESS);
}

const provenance = (c: Constant): string => `from constant ${c.name} (${c.value}${c.errorClass ? `, ${c.errorClass}` : ''})`;

export function emitConstants(project: Project, ctx: EmitContext, protocol: Protocol): void {
  const sf = newFile(project, ctx, CONSTANTS_FILE, 'Protocol constants: frame types and sizes, the protocol header, reply codes.');
  const frameTypes = protocol.constants.filter((c) => FRAME_TYPE_CONSTANTS[c.name] !== undefined);
  const replyCodes = replyCodeConstants(protocol);
  const others = protocol.constants.filter((c) => !frameTypes.includes(c) && !replyCodes.includes(c));
  const constDecl = (name: string, initializer: string, docs: ReturnType<typeof jsDoc>[]): void => {
    sf.addVariableStatement({ isExported: true, declarationKind: VariableDeclarationKind.Const, declarations: [{ name, initializer }], docs });
  };

  const versionText = `${protocol.major}-${protocol.minor}-${protocol.revision}`;
  constDecl(
    'PROTOCOL_VERSION',
    `{ major: ${protocol.major}, minor: ${protocol.minor}, revision: ${protocol.revision} } as const`,
    [jsDoc(`The protocol version these bindings implement: AMQP ${versionText}.`, 'from the <amqp> element')],
  );
  constDecl(
    'PROTOCOL_HEADER',
    `[0x41, 0x4d, 0x51, 0x50, 0, ${protocol.major}, ${protocol.minor}, ${protocol.revision}] as const`,
    [jsDoc(`The bytes a client sends first: "AMQP" 0 ${protocol.major} ${protocol.minor} ${protocol.revision} (spec 4.2.2).`, 'from the <amqp> element')],
  );
  if (protocol.port !== undefined) {
    constDecl('DEFAULT_PORT', String(protocol.port), [jsDoc('The IANA-assigned port for AMQP (TLS uses 5671).', 'from the <amqp> element\'s port')]);
  }

  sf.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    declarations: [{ name: 'FrameType', initializer: `{\n${frameTypes.map((c) => `  ${FRAME_TYPE_CONSTANTS[c.name]}: ${c.value},`).join('\n')}\n} as const` }],
    docs: [jsDoc('Frame types: the first octet of every frame (spec 4.2.3).', `from constants ${frameTypes.map((c) => c.name).join(', ')}`)],
  });
  sf.addTypeAlias({ name: 'FrameType', isExported: true, type: '(typeof FrameType)[keyof typeof FrameType]', docs: [jsDoc('A frame type octet.')] });

  for (const c of others) {
    const value = c.name === 'frame-end' ? `0x${c.value.toString(16)}` : String(c.value);
    constDecl(upperSnake(c.name), value, [jsDoc(c.doc || `${upperSnake(c.name)}: ${c.label ?? c.name.replace(/-/g, ' ')}.`, provenance(c))]);
  }
  for (const f of FRAME_FORMAT_CONSTANTS) constDecl(f.name, String(f.value), [jsDoc(f.doc, 'from the spec\'s prose (not in the XML)')]);

  sf.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    declarations: [{ name: 'ReplyCode', initializer: `{\n${replyCodes.map((c) => `  ${replyCodeKey(c.name)}: ${c.value},`).join('\n')}\n} as const` }],
    docs: [jsDoc('Reply codes of connection.close and channel.close (spec 1.9), by name.', 'from the reply-code constants')],
  });
  sf.addTypeAlias({ name: 'ReplyCode', isExported: true, type: '(typeof ReplyCode)[keyof typeof ReplyCode]', docs: [jsDoc('A reply code known to the spec.')] });

  const errors = replyCodes.filter((c) => c.errorClass !== undefined);
  constDecl(
    'replyCodes',
    `new Map<number, { readonly name: string; readonly severity: 'soft' | 'hard' }>([\n${errors
      .map((c) => `  [${c.value}, { name: '${c.name}', severity: '${c.errorClass === 'soft-error' ? 'soft' : 'hard'}' }],`)
      .join('\n')}\n]) as ReadonlyMap<number, { readonly name: string; readonly severity: 'soft' | 'hard' }>`,
    [jsDoc('Error reply codes with their spec name and severity: `soft` closes the channel, `hard` the connection.', 'from the reply-code constants with a class')],
  );
}
