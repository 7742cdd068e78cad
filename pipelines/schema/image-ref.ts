/**
 * Image reference syntax check, following the distribution `reference` grammar:
 * `[host[:port]/]path[:tag][@sha256:<64 hex>]`. Path components are lowercase.
 * Pure; used on pipeline files before and after `${VAR}` interpolation.
 */
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const HOST =
  '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?';
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}';
const REFERENCE = new RegExp(
  `^(?:(${HOST})/)?(${COMPONENT}(?:/${COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`,
);

/** Undefined when `ref` is a valid image reference, else a short reason a person understands. */
export function imageRefProblem(ref: string): string | undefined {
  if (ref.trim() === '') return 'image reference is empty';
  if (/\s/.test(ref)) return `image reference "${ref}" contains whitespace`;
  if (ref.length > 255 + 128 + 80) return `image reference "${ref.slice(0, 40)}…" is too long`;
  const m = REFERENCE.exec(ref);
  if (!m) {
    if (/[A-Z]/.test(ref.split('/').pop()?.split(':')[0] ?? '')) {
      return `invalid image reference "${ref}": repository names must be lowercase`;
    }
    return `invalid image reference "${ref}" (expected [registry/]name[:tag][@digest])`;
  }
  const path = m[2] ?? '';
  if (path.length > 255) return `invalid image reference "${ref}": repository name is too long`;
  return undefined;
}
