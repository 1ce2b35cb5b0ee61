/**
 * constants.ts: frame types, frame-format sizes, the protocol header, and reply codes (as a
 * const object and as a map with each code's name and soft/hard severity).
 */
import type { Project } from 'ts-morph';
import { CONSTANT_DOCS, FRAME_FORMAT_CONSTANTS, FRAME_TYPE_CONSTANTS, REPLY_SUCCESS } from '../conventions.js';
import type { Constant, Protocol } from '../model.js';
import { replyCodeKey, upperSnake } from '../names.js';
import { addDeclaration, newFile, renderDoc, type EmitContext } from './common.js';

export const CONSTANTS_FILE = 'constants.ts';

/** Reply codes: the constants with an error class, plus reply-success; by value. */
export function replyCodeConstants(protocol: Protocol): Constant[] {
  return protocol.constants.filter((c) => c.errorClass !== undefined || c.name === REPLY_SUCCESS).sort((a, b) => a.value - b.value);
}

const provenance = (c: Constant): string => `from constant ${c.name} (${c.value}${c.errorClass ? `, ${c.errorClass}` : ''})`;

const objectLiteral = (entries: readonly string[]): string => `{\n${entries.map((e) => `  ${e},`).join('\n')}\n}`;

export function emitConstants(project: Project, ctx: EmitContext, protocol: Protocol): void {
  const sf = newFile(project, ctx, CONSTANTS_FILE, 'Protocol constants: frame types and sizes, the protocol header, reply codes.');
  const frameTypes = protocol.constants.filter((c) => FRAME_TYPE_CONSTANTS[c.name] !== undefined);
  const replyCodes = replyCodeConstants(protocol);
  const others = protocol.constants.filter((c) => !frameTypes.includes(c) && !replyCodes.includes(c));
  const { major, minor, revision } = protocol;

  addDeclaration(
    sf,
    renderDoc(`The protocol version these bindings implement: AMQP ${major}-${minor}-${revision}.`, 'from the <amqp> element'),
    `export const PROTOCOL_VERSION = { major: ${major}, minor: ${minor}, revision: ${revision} } as const;`,
  );
  addDeclaration(
    sf,
    renderDoc(`The bytes a client sends first: "AMQP" 0 ${major} ${minor} ${revision} (spec 4.2.2).`, 'from the <amqp> element'),
    `export const PROTOCOL_HEADER = [0x41, 0x4d, 0x51, 0x50, 0, ${major}, ${minor}, ${revision}] as const;`,
  );
  if (protocol.port !== undefined) {
    addDeclaration(sf, renderDoc('The IANA-assigned port for AMQP (TLS uses 5671).', "from the <amqp> element's port"), `export const DEFAULT_PORT = ${protocol.port};`);
  }

  addDeclaration(
    sf,
    renderDoc('Frame types: the first octet of every frame (spec 4.2.3).', `from constants ${frameTypes.map((c) => c.name).join(', ')}`),
    `export const FrameType = ${objectLiteral(frameTypes.map((c) => `${FRAME_TYPE_CONSTANTS[c.name]}: ${c.value}`))} as const;`,
  );
  addDeclaration(sf, renderDoc('A frame type octet.'), 'export type FrameType = (typeof FrameType)[keyof typeof FrameType];');

  for (const c of others) {
    const value = c.name === 'frame-end' ? `0x${c.value.toString(16)}` : String(c.value);
    addDeclaration(sf, renderDoc(c.doc || CONSTANT_DOCS[c.name] || `The spec's ${c.name} constant.`, provenance(c)), `export const ${upperSnake(c.name)} = ${value};`);
  }
  for (const f of FRAME_FORMAT_CONSTANTS) {
    addDeclaration(sf, renderDoc(f.doc, "from the spec's prose (not in the XML)"), `export const ${f.name} = ${f.value};`);
  }

  addDeclaration(
    sf,
    renderDoc('Reply codes of connection.close and channel.close (spec 1.9), by name.', 'from the reply-code constants'),
    `export const ReplyCode = ${objectLiteral(replyCodes.map((c) => `${replyCodeKey(c.name)}: ${c.value}`))} as const;`,
  );
  addDeclaration(sf, renderDoc('A reply code known to the spec.'), 'export type ReplyCode = (typeof ReplyCode)[keyof typeof ReplyCode];');

  const errors = replyCodes.filter((c) => c.errorClass !== undefined);
  addDeclaration(
    sf,
    renderDoc(
      'Error reply codes with their spec name and severity: `soft` closes the channel, `hard` the connection.',
      'from the reply-code constants with a class',
    ),
    [
      `export const replyCodes: ReadonlyMap<number, { readonly name: string; readonly severity: 'soft' | 'hard' }> = new Map([`,
      ...errors.map((c) => `  [${c.value}, { name: '${c.name}', severity: '${c.errorClass === 'soft-error' ? 'soft' : 'hard'}' }],`),
      ']);',
    ].join('\n'),
  );
}
