// Compiles every JSON Schema of schemas/ with ajv (draft 2020-12, strict mode, ajv-formats) and
// validates every spec example as printed against its schema; then compiles the components of
// both OpenAPI documents and validates the canonical form of each example against its component.
// Usage: node ajv.mjs REPO MANIFEST (run with NODE_PATH at the npm prefix's node_modules).
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(join(process.env.NODE_PATH, "x.js"));
const Ajv2020 = require("ajv/dist/2020").default;
const addFormats = require("ajv-formats").default;
const yaml = require("js-yaml");

const [repo, manifestPath] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
let failed = 0;
const ajv = () => {
  const a = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
  addFormats(a);
  return a;
};

const validators = {};
let compiled = 0;
for (const dir of ["schemas", "schemas/portal"]) {
  for (const file of readdirSync(join(repo, dir)).filter((f) => f.endsWith(".schema.json"))) {
    const name = (dir === "schemas" ? "" : "portal/") + file.replace(".schema.json", "");
    try {
      validators[name] = ajv().compile(JSON.parse(readFileSync(join(repo, dir, file), "utf8")));
      compiled++;
    } catch (e) {
      console.log(`FAIL compile ${dir}/${file}: ${e.message}`);
      failed++;
    }
  }
}
console.log(`ajv: ${compiled} schemas compiled (strict)`);

const check = (validate, instance, what) => {
  if (!validate(instance)) {
    console.log(`FAIL ${what}: ${JSON.stringify(validate.errors)}`);
    failed++;
  }
};
const records = (entry, value) => (entry.batch ? value.data : [value]);
for (const entry of manifest) {
  const value = JSON.parse(readFileSync(entry.file, "utf8"));
  const validate = validators[entry.schema];
  if (!validate) continue;
  records(entry, value).forEach((r, i) => check(validate, r, `${entry.name}[${i}] against schemas/${entry.schema}`));
}

for (const doc of ["vitrina", "mis-webhook"]) {
  const openapi = yaml.load(readFileSync(join(repo, "openapi", `${doc}.yaml`), "utf8"));
  const a = ajv();
  a.addVocabulary(["components"]);
  a.addSchema({ $id: "doc", components: openapi.components });
  let n = 0;
  for (const entry of manifest.filter((e) => e.document === doc)) {
    const validate = a.compile({ $ref: `doc#/components/schemas/${entry.component}` });
    const value = JSON.parse(readFileSync(entry.canonical, "utf8"));
    records(entry, value).forEach((r, i) => check(validate, r, `canonical ${entry.name}[${i}] against ${doc}#${entry.component}`));
    n++;
  }
  console.log(`ajv: openapi/${doc}.yaml components compiled (strict), ${n} canonical examples checked`);
}
console.log(`ajv: ${manifest.length} examples checked`);
process.exit(failed ? 1 : 0);
