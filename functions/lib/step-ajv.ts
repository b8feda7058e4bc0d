// How step payloads are validated: @middy/validator's own Ajv defaults (strict, coerceTypes 'array', allErrors,
// useDefaults 'empty', messages), without Ajv's meta-schema check and code optimisation pass (the same checks and
// errors; each step schema is checked against 2020-12 in strict mode by test/functions.test.ts). The validators are
// generated with these options ahead of time (functions/lib/step-validators.js, `npm run schema:validator`).
export const STEP_AJV_OPTIONS = { strict: true, coerceTypes: 'array', allErrors: true, useDefaults: 'empty', messages: true, validateSchema: false, code: { optimize: false } } as const;
