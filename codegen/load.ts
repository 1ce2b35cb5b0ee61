/**
 * load: XML text → {@link RawElement} tree. Validates well-formedness first so that bad XML
 * gets a message with a line and column instead of a half-parsed tree. Knows nothing of AMQP
 * beyond the root element's name.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { SpecError, type RawElement } from './raw.js';

/** A spec or overlay document as the caller supplies it: no file system access here. */
export interface SpecSource {
  /** The name used in banners and error messages, e.g. `spec/amqp0-9-1.xml` (relative to the project). */
  readonly file: string;
  /** The XML text. */
  readonly xml: string;
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  trimValues: false,
});

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

function toElement(node: OrderedNode, file: string): RawElement | undefined {
  const tag = Object.keys(node).find((k) => k !== ':@');
  if (tag === undefined || tag === '#text' || tag.startsWith('?')) return undefined;
  const kids = (node[tag] as OrderedNode[] | undefined) ?? [];
  const children: RawElement[] = [];
  let text = '';
  for (const kid of kids) {
    if ('#text' in kid) text += String(kid['#text']);
    else {
      const child = toElement(kid, file);
      if (child) children.push(child);
    }
  }
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(node[':@'] ?? {})) attrs[k] = String(v);
  return { tag, attrs, children, text, file };
}

/** Parses one document; the root element must be `<amqp>`. Throws {@link SpecError}. */
export function loadXml(source: SpecSource): RawElement {
  const valid = XMLValidator.validate(source.xml);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    throw new SpecError(source.file, `line ${line}, column ${col}`, `not well-formed XML: ${msg}`);
  }
  const nodes = parser.parse(source.xml) as OrderedNode[];
  const roots = nodes.map((n) => toElement(n, source.file)).filter((e): e is RawElement => e !== undefined);
  const root = roots[0];
  if (!root || root.tag !== 'amqp') {
    throw new SpecError(source.file, root ? `<${root.tag}>` : '', 'the root element must be <amqp>');
  }
  return root;
}
