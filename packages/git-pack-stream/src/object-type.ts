/** Pack entry type numbers as stored in entry headers. */
export const ObjectType = {
  commit: 1,
  tree: 2,
  blob: 3,
  tag: 4,
  ofsDelta: 6,
  refDelta: 7,
} as const;

/** Git object types, the ones that can be hashed. */
export type ObjectTypeName = 'commit' | 'tree' | 'blob' | 'tag';

const typeNames: readonly (ObjectTypeName | undefined)[] = [undefined, 'commit', 'tree', 'blob', 'tag'];

/** The git name of a non-delta entry type, or undefined for deltas and invalid numbers. */
export function objectTypeName(type: number): ObjectTypeName | undefined {
  return typeNames[type];
}

/** Whether `type` is one of the two delta entry types. */
export function isDeltaType(type: number): boolean {
  return type === ObjectType.ofsDelta || type === ObjectType.refDelta;
}
