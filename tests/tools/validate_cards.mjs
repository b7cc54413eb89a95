// Validates Adaptive Card JSON files with the adaptivecards library (the renderer Teams' web
// client is built on), offline and without a DOM: parsing and validation need none.
//
//   node tests/tools/validate_cards.mjs card1.json card2.json ...
//
// Prints one JSON document: {"library": version, "results": [{"file", "errors", "warnings"}]}.
// Exit status 0 when every file was read and checked (look at "errors"), 2 on bad usage or an
// unreadable file, so a broken tool is never mistaken for a valid card.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
// The package's "lib" build is extension-less ESM that Node cannot load; the UMD bundle works.
const AC = require("adaptivecards/dist/adaptivecards.js");
const libraryVersion = require("adaptivecards/package.json").version;

const WARNING_EVENTS = new Set([AC.ValidationEvent.Hint, AC.ValidationEvent.Deprecated]);
// Elements Teams documents for bot cards that the library does not know: with a fallback, the
// library shows the fallback (reported in "fallbacks"); without one they are errors.
const HOST_ELEMENTS = new Set(["Chart.Line", "Chart.Donut", "Chart.Pie", "Chart.VerticalBar",
    "Chart.VerticalBar.Grouped", "Chart.HorizontalBar", "Chart.HorizontalBar.Stacked", "Chart.Gauge"]);
// Keys the library reads but does not write back, or that only matter to hosts.
const IGNORED_KEYS = new Set(["$schema"]);

function describe(event) {
    const source = event.source;
    const where = source && typeof source.getJsonTypeName === "function"
        ? `${source.getJsonTypeName()}${source.id ? `#${source.id}` : ""}`
        : (source && source.type) || "card";
    return {
        event: AC.ValidationEvent[event.event] ?? String(event.event),
        where,
        message: event.message,
    };
}

// Property name -> default value, per element or action type, from the library's own schema.
const schemaCache = new Map();
function propertiesOf(typeName) {
    if (!schemaCache.has(typeName)) {
        let instance;
        if (typeName === "AdaptiveCard") {
            instance = new AC.AdaptiveCard();
        } else if (typeName === "Column") {
            instance = new AC.Column();
        } else {
            const registration = AC.GlobalRegistry.elements.findByName(typeName)
                ?? AC.GlobalRegistry.actions.findByName(typeName);
            instance = registration ? new registration.objectType() : undefined;
        }
        const properties = new Map();
        if (instance) {
            const schema = instance.getSchema();
            for (let i = 0; i < schema.getCount(); i++) {
                const property = schema.getItemAt(i);
                properties.set(property.name, property.defaultValue);
            }
        }
        schemaCache.set(typeName, properties);
    }
    return schemaCache.get(typeName);
}

// A property the library knows but did not write back was left out because it holds the
// default value; anything else it dropped, it did not understand.
function droppedAsDefault(object, key, value) {
    if (typeof object.type !== "string") {
        return value === false || value === "default";
    }
    const properties = propertiesOf(object.type);
    if (!properties.has(key)) {
        return false;
    }
    const fallback = properties.get(key);
    return fallback === undefined || fallback === value || value === false || value === "default";
}

// The parser silently drops properties it does not know (a typo such as "isSubtile" or a
// property newer than the card's version); comparing the input with what the library writes
// back finds them.
function droppedKeys(original, written, path, found) {
    if (Array.isArray(original)) {
        if (!Array.isArray(written)) {
            found.push(path);
            return;
        }
        original.forEach((value, index) => droppedKeys(value, written[index], `${path}[${index}]`, found));
        return;
    }
    if (original === null || typeof original !== "object") {
        return;
    }
    if (path.endsWith(".data") || path.endsWith("].data")) {
        return; // action data is free-form and written back as given
    }
    if (written === null || typeof written !== "object") {
        found.push(path);
        return;
    }
    if (HOST_ELEMENTS.has(original.type) && original.fallback && typeof original.fallback === "object") {
        // The library wrote the fallback in the element's place: compare with that.
        droppedKeys(original.fallback, written, `${path}.fallback`, found);
        return;
    }
    for (const [key, value] of Object.entries(original)) {
        if (IGNORED_KEYS.has(key)) {
            continue;
        }
        if (!(key in written)) {
            if (!droppedAsDefault(original, key, value)) {
                found.push(`${path}.${key}`);
            }
            continue;
        }
        droppedKeys(value, written[key], `${path}.${key}`, found);
    }
}

function hostElementsWithFallback(node, found) {
    if (Array.isArray(node)) {
        node.forEach((child) => hostElementsWithFallback(child, found));
    } else if (node && typeof node === "object") {
        if (HOST_ELEMENTS.has(node.type) && node.fallback && typeof node.fallback === "object") {
            found.add(node.type);
        }
        Object.values(node).forEach((child) => hostElementsWithFallback(child, found));
    }
    return found;
}

function validate(file) {
    const json = JSON.parse(readFileSync(file, "utf8"));
    const errors = [];
    const warnings = [];
    const fallbacks = [];
    const withFallback = hostElementsWithFallback(json, new Set());
    const add = (item, isWarning) => {
        const host = item.event === "UnknownElementType"
            && [...withFallback].find((type) => item.message.includes(`"${type}"`));
        if (host) {
            if (!fallbacks.includes(host)) fallbacks.push(host);
            return;
        }
        (isWarning ? warnings : errors).push(item);
    };

    if (json.type !== "AdaptiveCard") {
        errors.push({ event: "MissingCardType", where: "card", message: "type must be AdaptiveCard" });
    }
    const card = new AC.AdaptiveCard();
    const context = new AC.SerializationContext();
    card.parse(json, context);
    for (let i = 0; i < context.eventCount; i++) {
        const event = context.getEventAt(i);
        add(describe(event), WARNING_EVENTS.has(event.event));
    }
    const results = card.validateProperties();
    for (const event of results.validationEvents) {
        add(describe(event), WARNING_EVENTS.has(event.event));
    }
    const dropped = [];
    const rendered = card.toJSON(new AC.SerializationContext());
    droppedKeys(json, rendered, "$", dropped);
    for (const path of dropped) {
        errors.push({ event: "UnknownProperty", where: path, message: `property not understood: ${path}` });
    }
    return { file, errors, warnings, fallbacks, rendered };
}

const files = process.argv.slice(2);
if (files.length === 0) {
    process.stderr.write("usage: node validate_cards.mjs CARD.json...\n");
    process.exit(2);
}
const results = [];
for (const file of files) {
    try {
        results.push(validate(file));
    } catch (error) {
        process.stderr.write(`${file}: ${error && error.stack ? error.stack : error}\n`);
        process.exit(2);
    }
}
process.stdout.write(JSON.stringify({ library: libraryVersion, results }, null, 2) + "\n");
