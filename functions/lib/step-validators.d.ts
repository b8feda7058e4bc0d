// Types of the generated validators beside this file (test/schema-validator-gen.ts): one per schema of schemas.ts.
import type { ValidateFunction } from 'ajv/dist/2020.js';

declare const validators: Record<string, ValidateFunction>;
export = validators;
