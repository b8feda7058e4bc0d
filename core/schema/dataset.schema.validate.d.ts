// Types of the generated validator beside this file (test/schema-validator-gen.ts).
import type { ValidateFunction } from 'ajv/dist/2020.js';

declare const validate: ValidateFunction;
export default validate;
