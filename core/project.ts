// Loading a project with every check registered: schema files, quality rules, gold SQL.
import './gold/check.ts';
import './gold/compaction-check.ts';
import './quality/check.ts';
import './schema/format-check.ts';

export { checkProject, checkProjectAsync, loadProject, runnableProject, type Excluded, type LoadedSchema, type Project } from './schema/project.ts';
