// Compiles every exported schema with ajv (draft 2020-12, strict mode, formats)
// and validates the records given on standard input:
//   {"schema_dir": "...", "cases": [{"name": "...", "schema": "record.schema.json", "data": {...}}]}
// A case may give "file" (a raw YAML record, read with js-yaml's YAML 1.2 core
// schema, as partners are told to) instead of "data".
// Prints {"compiled": [...], "verdicts": {"<name>": true|false}, "errors": {...}}.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import yaml from "js-yaml";

const input = JSON.parse(readFileSync(0, "utf8"));
const ajv = new Ajv2020({ strict: true, allErrors: false });
addFormats(ajv);
ajv.addVocabulary(["enumDescriptions", "errorMessage", "patternErrorMessage"]); // editors' annotations

// For raw YAML: a plain `.inf` or `.nan` typed in a text field is a number to js-yaml
// (Infinity, NaN), which strict ajv refuses unless `strictNumbers` is off.
const ajvYaml = new Ajv2020({ strict: true, strictNumbers: false, allErrors: false });
addFormats(ajvYaml);
ajvYaml.addVocabulary(["enumDescriptions", "errorMessage", "patternErrorMessage"]);

const validators = {};
const yamlValidators = {};
for (const file of readdirSync(input.schema_dir).filter((f) => f.endsWith(".schema.json")).sort()) {
  const schema = JSON.parse(readFileSync(join(input.schema_dir, file), "utf8"));
  validators[file] = ajv.compile(schema); // throws in strict mode on any unknown keyword
  yamlValidators[file] = ajvYaml.compile(schema);
}

const verdicts = {};
const errors = {};
for (const c of input.cases) {
  const validate = (c.file === undefined ? validators : yamlValidators)[c.schema];
  let data = c.data;
  if (c.file !== undefined) {
    try {
      data = yaml.load(readFileSync(c.file, "utf8"), { schema: yaml.CORE_SCHEMA });
    } catch (error) {
      verdicts[c.name] = false;
      errors[c.name] = `YAML: ${error.message}`;
      continue;
    }
  }
  verdicts[c.name] = validate(data);
  if (!verdicts[c.name]) errors[c.name] = ajv.errorsText(validate.errors);
}
process.stdout.write(JSON.stringify({ compiled: Object.keys(validators), verdicts, errors }));
