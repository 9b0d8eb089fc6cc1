// The fastest peer we know, for the benchmark: read every record file, parse it
// with js-yaml (core schema) and validate it with ajv against record.schema.json.
//   node ajv-bench.mjs SCHEMA_DIR RECORDS_DIR   -> prints {"files": N, "invalid": M}
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import yaml from "js-yaml";

const [schemaDir, recordsDir] = process.argv.slice(2);
const ajv = new Ajv2020({ strict: true });
ajv.addVocabulary(["enumDescriptions", "errorMessage", "patternErrorMessage"]); // editors' annotations
addFormats(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(join(schemaDir, "record.schema.json"), "utf8")));
let files = 0;
let invalid = 0;
for (const folder of ["incidents", "targets", "operators", "responses"]) {
  for (const name of readdirSync(join(recordsDir, folder))) {
    const data = yaml.load(readFileSync(join(recordsDir, folder, name), "utf8"), { schema: yaml.CORE_SCHEMA });
    files += 1;
    if (!validate(data)) invalid += 1;
  }
}
process.stdout.write(JSON.stringify({ files, invalid }) + "\n");
