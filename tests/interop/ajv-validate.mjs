// Compiles every exported schema with ajv (draft 2020-12, strict mode, formats)
// and validates the records given on standard input:
//   {"schema_dir": "...", "cases": [{"name": "...", "schema": "record.schema.json", "data": {...}}]}
// Prints {"compiled": [...], "verdicts": {"<name>": true|false}, "errors": {...}}.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const input = JSON.parse(readFileSync(0, "utf8"));
const ajv = new Ajv2020({ strict: true, allErrors: false });
addFormats(ajv);

const validators = {};
for (const file of readdirSync(input.schema_dir).filter((f) => f.endsWith(".schema.json")).sort()) {
  const schema = JSON.parse(readFileSync(join(input.schema_dir, file), "utf8"));
  validators[file] = ajv.compile(schema); // throws in strict mode on any unknown keyword
}

const verdicts = {};
const errors = {};
for (const c of input.cases) {
  const validate = validators[c.schema];
  verdicts[c.name] = validate(c.data);
  if (!verdicts[c.name]) errors[c.name] = ajv.errorsText(validate.errors);
}
process.stdout.write(JSON.stringify({ compiled: Object.keys(validators), verdicts, errors }));
