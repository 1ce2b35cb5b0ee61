/**
 * The raw XML tree: what load produces and what overlays edit, before any meaning is given to
 * it. Each element remembers the file it came from and its path of named ancestors, so every
 * later error can say exactly where the problem is (`spec/rabbitmq.xml: class "confirm" >
 * method "select": ...`).
 */

/** One XML element: tag, attributes, child elements in document order, and its own text. */
export interface RawElement {
  readonly tag: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly RawElement[];
  /** Concatenated text content (only `doc` elements carry meaningful text). */
  readonly text: string;
  /** The file the element was read from, as the caller named it (e.g. `spec/rabbitmq.xml`). */
  readonly file: string;
}

/** An error in a spec or overlay: names the file and the element. */
export class SpecError extends Error {
  override name = 'SpecError';
  readonly file: string;
  readonly element: string;
  constructor(file: string, element: string, problem: string) {
    super(`${file}: ${element ? `${element}: ` : ''}${problem}`);
    this.file = file;
    this.element = element;
  }
}

/** `class "basic" > method "publish"`: how errors name an element. */
export function describe(el: RawElement): string {
  const name = el.attrs['name'];
  return name === undefined ? `<${el.tag}>` : `${el.tag} "${name}"`;
}

/** Joins element descriptions into a path for error messages. */
export function pathOf(...els: RawElement[]): string {
  return els.map(describe).join(' > ');
}

/** Children with the given tag, in document order. */
export function childrenOf(el: RawElement, tag: string): RawElement[] {
  return el.children.filter((c) => c.tag === tag);
}
