/**
 * Overlays: a document in the spec's own XML dialect that edits a spec (see README-section.md
 * for the user-facing rules). Works on the raw tree, before normalisation, so the result is
 * exactly what a hand-merged XML file would be and is validated by the same code.
 *
 * Rules, in short:
 * - Elements are matched by tag and `name` within their parent.
 * - `class` and `method` are containers: a match is *merged* (attributes given in the overlay
 *   override, named children are matched recursively, `doc` children replace the base's docs).
 * - Every other named element (`constant`, `domain`, `field`, `chassis`, `response`, `rule`)
 *   is a leaf: a match is *replaced whole*, in place.
 * - No match: the element is *added* after the last sibling with the same tag. An addition
 *   must be complete: a class or method needs an `index`, a field a `domain` or `type`;
 *   otherwise it is a typo and an error ("unknown class").
 * - `replaces="old-name"` puts the element in place of the sibling named `old-name` (renaming
 *   a field while keeping its wire position, e.g. un-reserving `reserved-2`).
 * - `remove="1"` deletes the matching element.
 */
import { SpecError, describe, type RawElement } from './raw.js';

const CONTAINERS = new Set(['amqp', 'class', 'method']);
/** Which child tags each container may carry in an overlay. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  amqp: ['constant', 'domain', 'class'],
  class: ['doc', 'chassis', 'field', 'method', 'rule'],
  method: ['doc', 'chassis', 'response', 'field', 'rule'],
};
const CONTROL_ATTRS = ['replaces', 'remove'];

function withoutControl(el: RawElement): RawElement {
  if (!CONTROL_ATTRS.some((a) => a in el.attrs)) return el;
  const attrs = { ...el.attrs };
  for (const a of CONTROL_ATTRS) delete attrs[a];
  return { ...el, attrs };
}

function indexOfNamed(children: readonly RawElement[], tag: string, name: string): number {
  return children.findIndex((c) => c.tag === tag && c.attrs['name'] === name);
}

function isCompleteAddition(el: RawElement): boolean {
  if (el.tag === 'class' || el.tag === 'method') return el.attrs['index'] !== undefined;
  if (el.tag === 'field') return el.attrs['domain'] !== undefined || el.attrs['type'] !== undefined;
  return true;
}

function merge(base: RawElement, over: RawElement, path: string): RawElement {
  const allowed = ALLOWED[base.tag] ?? [];
  const attrs = { ...base.attrs, ...withoutControl(over).attrs };
  let children = [...base.children];
  const overDocs = over.children.filter((c) => c.tag === 'doc');
  if (overDocs.length > 0) children = [...overDocs, ...children.filter((c) => c.tag !== 'doc')];

  for (const child of over.children) {
    if (child.tag === 'doc') continue;
    const here = `${path} > ${describe(child)}`;
    if (!allowed.includes(child.tag)) {
      throw new SpecError(over.file, here, `<${child.tag}> is not allowed inside <${base.tag}> in an overlay (allowed: ${allowed.join(', ')})`);
    }
    const name = child.attrs['name'];
    if (name === undefined) throw new SpecError(over.file, here, `an overlay <${child.tag}> needs a name`);
    const found = indexOfNamed(children, child.tag, name);

    if (child.attrs['remove'] === '1') {
      if (found < 0) throw new SpecError(over.file, here, `cannot remove: no ${child.tag} "${name}" in ${path}`);
      children.splice(found, 1);
      continue;
    }
    const replaces = child.attrs['replaces'];
    if (replaces !== undefined) {
      const old = indexOfNamed(children, child.tag, replaces);
      if (old < 0) throw new SpecError(over.file, here, `replaces "${replaces}", but there is no ${child.tag} "${replaces}" in ${path}`);
      if (found >= 0 && found !== old) throw new SpecError(over.file, here, `a ${child.tag} "${name}" already exists in ${path}`);
      children[old] = withoutControl(child);
      continue;
    }
    if (found >= 0) {
      const target = children[found]!;
      children[found] = CONTAINERS.has(child.tag) ? merge(target, child, here) : withoutControl(child);
      continue;
    }
    if (!isCompleteAddition(child)) {
      throw new SpecError(
        over.file,
        here,
        `unknown ${child.tag} "${name}" in ${path} (to add one, give a complete definition: ${child.tag === 'field' ? 'a domain or type' : 'an index'})`,
      );
    }
    let at = children.length;
    for (let i = children.length - 1; i >= 0; i--) {
      if (children[i]!.tag === child.tag) {
        at = i + 1;
        break;
      }
    }
    children.splice(at, 0, withoutControl(child));
  }
  return { ...base, attrs, children };
}

/** Applies overlays in order to a base spec tree; returns a new tree (inputs are not modified). */
export function applyOverlays(base: RawElement, overlays: readonly RawElement[]): RawElement {
  let tree = base;
  for (const overlay of overlays) tree = merge(tree, overlay, '<amqp>');
  return tree;
}
