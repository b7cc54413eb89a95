// Validates a Teams app manifest and its localization files against Microsoft's JSON schemas
// as shipped in the npm package @microsoft/app-manifest, offline.
//
//   node tests/tools/validate_manifest.mjs manifest.json [en.json ...]
//
// The schema version is the manifest's own "manifestVersion"; localization files are checked
// against the Localization schema of that same version (Teams requires the two to match).
// Ajv is set up the way the package's own AppManifestUtils.validateAgainstSchema does it
// (draft-04, allErrors, strictTypes off, formats uri/email/regex); the package's entry point
// cannot be loaded here because it requires a module it only lists as a devDependency.
// Patterns are compiled without Ajv's default "u" flag: JSON Schema patterns are plain
// ECMA-262 expressions, and some in the Localization schema (e.g. "\\b]") are only valid
// without it.
//
// Prints one JSON document: {"package": version, "results": [{"file", "schema", "errors"}]}.
// Exit status 0 when every file was read and checked (look at "errors"), 2 on bad usage, an
// unreadable file or a schema version the package does not ship, so a broken tool is never
// mistaken for a valid manifest.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const Ajv04 = require("ajv-draft-04");
const addFormats = require("ajv-formats");

const packageDir = dirname(require.resolve("@microsoft/app-manifest/package.json"));
const packageVersion = require("@microsoft/app-manifest/package.json").version;
const schemaRoot = join(packageDir, "build", "json-schemas", "teams");

function fail(message) {
    process.stderr.write(`validate_manifest: ${message}\n`);
    process.exit(2);
}

function readJson(file) {
    let text;
    try {
        text = readFileSync(file, "utf8");
    } catch (error) {
        fail(`cannot read ${file}: ${error.message}`);
    }
    if (text.charCodeAt(0) === 0xfeff) {
        fail(`${file} starts with a byte order mark, which Teams rejects`);
    }
    try {
        return JSON.parse(text);
    } catch (error) {
        fail(`${file} is not JSON: ${error.message}`);
    }
}

function loadSchema(version, name) {
    const file = join(schemaRoot, `v${version}`, name);
    if (!existsSync(file)) {
        fail(`@microsoft/app-manifest ${packageVersion} has no ${name} for version ${version}`);
    }
    // The package loads its schemas with these two escapes rewritten; JSON.parse rejects them.
    const raw = readFileSync(file, "utf8").replace(/\\a/g, "\\u0007").replace(/\\v/g, "\\u000b");
    return { file, schema: JSON.parse(raw) };
}

function check(file, document, version, schemaName) {
    const { file: schemaFile, schema } = loadSchema(version, schemaName);
    const ajv = new Ajv04({ allErrors: true, strictTypes: false, unicodeRegExp: false });
    addFormats(ajv, ["uri", "email", "regex"]);
    let validate;
    try {
        validate = ajv.compile(schema);
    } catch (error) {
        fail(`cannot compile ${file}: ${error.message}`);
    }
    const errors = validate(document)
        ? []
        : validate.errors.map((error) => ({
              path: error.instancePath || "/",
              message: error.message ?? "",
              params: error.params ?? {},
          }));
    const expected = `https://developer.microsoft.com/json-schemas/teams/v${version}/${schemaName}`;
    if (document.$schema !== undefined && document.$schema !== expected) {
        errors.push({
            path: "/$schema",
            message: `must be ${expected} (the manifest's version)`,
            params: { found: document.$schema },
        });
    }
    return { file, schema: schemaFile.slice(packageDir.length + 1), errors };
}

const [manifestFile, ...localizationFiles] = process.argv.slice(2);
if (!manifestFile) {
    fail("usage: validate_manifest.mjs manifest.json [localization.json ...]");
}
const manifest = readJson(manifestFile);
const version = manifest.manifestVersion;
if (typeof version !== "string" || !/^\d+\.\d+$/.test(version)) {
    fail(`${manifestFile} has no usable manifestVersion: ${JSON.stringify(version)}`);
}
const results = [check(manifestFile, manifest, version, "MicrosoftTeams.schema.json")];
for (const file of localizationFiles) {
    results.push(check(file, readJson(file), version, "MicrosoftTeams.Localization.schema.json"));
}
process.stdout.write(JSON.stringify({ package: packageVersion, results }, null, 2) + "\n");
