// A resource of the lake as data: its kind, its logical name and its constructor arguments, built by pure
// functions from the plans. stacks/deploy.ts creates them; the tests assert them.
import type { ArgsByType, ResourceType } from './types.ts';

export interface ResourceSpecOf<T extends ResourceType> {
  type: T;
  /** Logical name, unique in the stage (PascalCase; a dataset's resources start with its name). */
  name: string;
  args: ArgsByType[T];
  /** The dataset whose schema file brought the resource; absent for what the whole lake shares. */
  dataset?: string;
  /** Ordering that no reference in the arguments expresses (e.g. a role's policy before the state machine). */
  dependsOn?: string[];
  /** Properties a later deploy leaves as they are, because the runtime owns them (see stacks/catalog.ts). */
  ignoreChanges?: string[];
  /** Removing the stage (or the resource from it) forgets the resource instead of deleting it (stacks/retain.ts). */
  retainOnDelete?: boolean;
}

export type ResourceSpec = { [T in ResourceType]: ResourceSpecOf<T> }[ResourceType];

export function resource<T extends ResourceType>(
  type: T, name: string, args: ArgsByType[T], extra: Omit<ResourceSpecOf<T>, 'type' | 'name' | 'args'> = {},
): ResourceSpecOf<T> {
  return { type, name, args, ...extra };
}

/** Attribute every resource to a dataset. */
export function ofDataset<S extends ResourceSpec>(dataset: string, specs: S[]): S[] {
  return specs.map((s) => ({ ...s, dataset }));
}
