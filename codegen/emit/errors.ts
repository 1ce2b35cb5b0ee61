/**
 * errors.ts: one ReplyError subclass per error reply code, its `isX` guard, and
 * `replyErrorFor` which picks the class from a code.
 */
import type { Project } from 'ts-morph';
import type { Protocol } from '../model.js';
import { errorClassName, errorGuardName } from '../names.js';
import { addImport, jsDoc, newFile, runtimeSpecifier, type EmitContext } from './common.js';
import { replyCodeConstants } from './constants.js';

export const ERRORS_FILE = 'errors.ts';

export function emitErrors(project: Project, ctx: EmitContext, protocol: Protocol): void {
  const sf = newFile(
    project,
    ctx,
    ERRORS_FILE,
    'One error class per AMQP reply code, all extending the codec\'s ReplyError, so that\n`catch (e) { if (isNotFoundError(e)) ... }` reads like the spec.',
  );
  addImport(sf, runtimeSpecifier(ctx, ERRORS_FILE), ['ReplyError']);
  const codes = replyCodeConstants(protocol).filter((c) => c.errorClass !== undefined);

  sf.addInterface({
    name: 'ReplyErrorInit',
    isExported: true,
    docs: [jsDoc('What a reply error is built from: the arguments of connection.close or channel.close, and context.')],
    properties: [
      { name: 'replyCode', type: 'number', docs: [jsDoc('The AMQP reply code, e.g. 404.')] },
      { name: 'replyText', type: 'string', docs: [jsDoc('The peer\'s reply text.')] },
      { name: 'classId', type: 'number', hasQuestionToken: true, docs: [jsDoc('Class id of the method that caused the close, or 0.')] },
      { name: 'methodId', type: 'number', hasQuestionToken: true, docs: [jsDoc('Method id of the method that caused the close, or 0.')] },
      { name: 'method', type: 'string | undefined', hasQuestionToken: true, docs: [jsDoc('Dotted name of that method, when known.')] },
      { name: 'remote', type: 'boolean', hasQuestionToken: true, docs: [jsDoc('True (the default) when the peer sent the close.')] },
      { name: 'cause', type: 'unknown', hasQuestionToken: true, docs: [jsDoc('The underlying error, if any.')] },
      {
        name: 'severity',
        type: "'soft' | 'hard'",
        hasQuestionToken: true,
        docs: [jsDoc('Severity for a code the spec does not know (default `hard`); known codes use the spec\'s.')],
      },
    ],
  });

  for (const c of codes) {
    const name = errorClassName(c.name);
    const severity = c.errorClass === 'soft-error' ? 'soft' : 'hard';
    const provenance = `from constant ${c.name} (${c.value}, ${c.errorClass})`;
    sf.addClass({
      name,
      isExported: true,
      extends: 'ReplyError',
      docs: [jsDoc(`${c.value} ${c.name} (${severity} error: closes the ${severity === 'soft' ? 'channel' : 'connection'}).\n\n${c.doc}`, provenance)],
      properties: [
        { name: 'name', hasOverrideKeyword: true, initializer: `'${name}'` },
        { name: 'code', isStatic: true, isReadonly: true, initializer: String(c.value), docs: [jsDoc(`The reply code, ${c.value}.`)] },
      ],
      ctors: [
        {
          parameters: [{ name: 'init', type: "Omit<ReplyErrorInit, 'replyCode' | 'severity'>" }],
          statements: [`super({ ...init, replyCode: ${c.value}, severity: '${severity}' });`],
        },
      ],
    });
    sf.addFunction({
      name: errorGuardName(c.name),
      isExported: true,
      docs: [jsDoc(`True for a {@link ${name}} (checks \`name\`, so it works across copies of the package).`, provenance)],
      parameters: [{ name: 'e', type: 'unknown' }],
      returnType: `e is ${name}`,
      statements: [`return e instanceof Error && e.name === '${name}';`],
    });
  }

  sf.addFunction({
    name: 'replyErrorFor',
    isExported: true,
    docs: [jsDoc('Builds the error class for `init.replyCode`, or a plain ReplyError for a code the spec does not define.')],
    parameters: [{ name: 'init', type: 'ReplyErrorInit' }],
    returnType: 'ReplyError',
    statements: [
      'switch (init.replyCode) {',
      ...codes.map((c) => `  case ${c.value}:\n    return new ${errorClassName(c.name)}(init);`),
      '  default:',
      "    return new ReplyError({ ...init, severity: init.severity ?? 'hard' });",
      '}',
    ],
  });
}
