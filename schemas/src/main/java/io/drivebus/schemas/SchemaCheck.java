package io.drivebus.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * A quick, conservative reading of the messages' JSON Schemas (the very {@code schemas/*.schema.json} files the full
 * validator compiles): it says {@link Verdict#VALID} only where the full validator cannot disagree, and
 * {@link Verdict#UNSURE} at every edge it does not model (an unknown keyword or format, non-ASCII text under a
 * pattern, a fractional number, ...).
 *
 * <p>Why: compiling the schemas with the full validator (networknt) was a quarter of a client command's CPU time, and
 * validating with it ~13% of the reservation-service's. {@link MessageCodec} asks this check first; a message it does
 * not find valid goes to the full validator, which refuses it with its own message (or accepts it), so the outcome is
 * the full validator's in every case.
 *
 * <p>Each schema is turned once into a tree of {@link Rule}s, one per keyword with its argument already read (names,
 * bounds, compiled patterns, the enum's strings); refs are resolved at their first use, so recursive schemas compile.
 * Walking the schema's JSON for every message (its fields, the keyword names, the annotation set) was most of this
 * check's cost.
 */
final class SchemaCheck {

    /** Three-valued, so that {@code not} stays sound: FALSE only where the instance certainly fails. */
    enum Verdict { VALID, INVALID, UNSURE }

    private static final String BASE = "https://drivebus.io/schemas/";
    /** Keywords that never change whether an instance is valid. */
    private static final Set<String> ANNOTATIONS = Set.of("$schema", "$id", "$defs", "$comment", "title", "description",
            "default", "examples", "deprecated", "readOnly", "writeOnly");
    private static final int MAX_DEPTH = 64;

    /** One keyword of a schema, its argument read: the verdict for an instance at a depth. */
    @FunctionalInterface
    private interface Rule {
        Verdict test(JsonNode node, int depth);
    }

    private static final Rule ALWAYS = (node, depth) -> Verdict.VALID;
    private static final Rule NEVER = (node, depth) -> Verdict.INVALID;
    private static final Rule UNSURE = (node, depth) -> Verdict.UNSURE;

    private final ObjectMapper mapper;
    private final Map<String, JsonNode> documents = new ConcurrentHashMap<>();
    /** Compiled schemas by document and JSON pointer: a type's whole schema, and the targets of refs. */
    private final Map<String, Rule> compiled = new ConcurrentHashMap<>();

    SchemaCheck(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** VALID only if the full schema validation of this message type would report nothing. */
    Verdict check(MessageType type, JsonNode instance) {
        try {
            return target(type.typeName() + ".schema.json", "").test(instance, 0);
        } catch (RuntimeException e) {
            return Verdict.UNSURE; // e.g. a schema file that cannot be read: the full validator decides
        }
    }

    private JsonNode document(String name) {
        return documents.computeIfAbsent(name, n -> {
            try (InputStream in = MessageType.class.getClassLoader().getResourceAsStream("schemas/" + n)) {
                if (in == null) {
                    throw new IllegalStateException("no schema " + n);
                }
                return mapper.readTree(in);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** The compiled schema at a JSON pointer of a document; UNSURE where there is none. */
    private Rule target(String doc, String pointer) {
        Rule r = compiled.get(doc + '#' + pointer);
        if (r == null) {
            JsonNode s = document(doc).at(pointer);
            // compiled outside computeIfAbsent: compiling may resolve (not follow) other refs; a race compiles twice
            r = s.isMissingNode() ? UNSURE : compile(s, doc);
            compiled.putIfAbsent(doc + '#' + pointer, r);
        }
        return r;
    }

    /** A schema (object or boolean) as one rule: its keywords' verdicts combined, the first INVALID deciding. */
    private Rule compile(JsonNode schema, String doc) {
        if (schema.isBoolean()) {
            return schema.asBoolean() ? ALWAYS : NEVER;
        }
        if (!schema.isObject()) {
            return UNSURE;
        }
        List<Rule> rules = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = schema.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!ANNOTATIONS.contains(e.getKey())) {
                rules.add(keyword(e.getKey(), e.getValue(), schema, doc));
            }
        }
        Rule[] keywords = rules.toArray(Rule[]::new);
        return (node, depth) -> depth > MAX_DEPTH ? Verdict.UNSURE : all(keywords, node, depth);
    }

    /** Every rule on the node: the first INVALID decides, else UNSURE if any was unsure. */
    private static Verdict all(Rule[] rules, JsonNode node, int depth) {
        Verdict result = Verdict.VALID;
        for (Rule r : rules) {
            Verdict v = r.test(node, depth);
            if (v == Verdict.INVALID) {
                return v;
            }
            if (v == Verdict.UNSURE) {
                result = v;
            }
        }
        return result;
    }

    /** Some rule on the node: the first VALID decides, else UNSURE if any was unsure, else INVALID. */
    private static Verdict any(Rule[] rules, JsonNode node, int depth) {
        Verdict result = Verdict.INVALID;
        for (Rule r : rules) {
            Verdict v = r.test(node, depth);
            if (v == Verdict.VALID) {
                return v;
            }
            if (v == Verdict.UNSURE) {
                result = v;
            }
        }
        return result;
    }

    private Rule[] compileEach(JsonNode schemas, String doc) {
        List<Rule> rules = new ArrayList<>();
        for (JsonNode s : schemas) {
            rules.add(compile(s, doc));
        }
        return rules.toArray(Rule[]::new);
    }

    private Rule keyword(String k, JsonNode arg, JsonNode schema, String doc) {
        switch (k) {
            case "$ref":
                return ref(arg.asText(), doc);
            case "type":
                return type(arg);
            case "allOf": {
                Rule[] subs = compileEach(arg, doc);
                return (node, depth) -> all(subs, node, depth + 1);
            }
            case "anyOf": {
                Rule[] subs = compileEach(arg, doc);
                return (node, depth) -> any(subs, node, depth + 1);
            }
            case "not": {
                Rule sub = compile(arg, doc);
                return (node, depth) -> {
                    Verdict v = sub.test(node, depth + 1);
                    return v == Verdict.VALID ? Verdict.INVALID : v == Verdict.INVALID ? Verdict.VALID : Verdict.UNSURE;
                };
            }
            case "required": {
                String[] names = texts(arg);
                return (node, depth) -> {
                    if (!node.isObject()) {
                        return Verdict.VALID; // applies to objects only
                    }
                    for (String name : names) {
                        if (!node.has(name)) {
                            return Verdict.INVALID;
                        }
                    }
                    return Verdict.VALID;
                };
            }
            case "properties": {
                List<String> names = new ArrayList<>();
                List<Rule> subs = new ArrayList<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = arg.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> p = it.next();
                    names.add(p.getKey());
                    subs.add(compile(p.getValue(), doc));
                }
                String[] name = names.toArray(String[]::new);
                Rule[] sub = subs.toArray(Rule[]::new);
                return (node, depth) -> {
                    if (!node.isObject()) {
                        return Verdict.VALID;
                    }
                    Verdict r = Verdict.VALID;
                    for (int i = 0; i < name.length; i++) {
                        JsonNode value = node.get(name[i]);
                        if (value != null) {
                            Verdict v = sub[i].test(value, depth + 1);
                            if (v == Verdict.INVALID) {
                                return v;
                            }
                            if (v == Verdict.UNSURE) {
                                r = v;
                            }
                        }
                    }
                    return r;
                };
            }
            case "additionalProperties": {
                if (arg.isBoolean() && arg.asBoolean()) {
                    return ALWAYS;
                }
                if (!arg.isBoolean() || schema.has("patternProperties")) {
                    return (node, depth) -> node.isObject() ? Verdict.UNSURE : Verdict.VALID;
                }
                Set<String> known = new HashSet<>();
                schema.path("properties").fieldNames().forEachRemaining(known::add);
                return (node, depth) -> {
                    if (node.isObject()) {
                        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                            if (!known.contains(it.next())) {
                                return Verdict.UNSURE; // a stray field: the validator names it
                            }
                        }
                    }
                    return Verdict.VALID;
                };
            }
            case "items": {
                Rule sub = compile(arg, doc);
                return (node, depth) -> {
                    if (!node.isArray()) {
                        return Verdict.VALID;
                    }
                    Verdict r = Verdict.VALID;
                    for (JsonNode item : node) {
                        Verdict v = sub.test(item, depth + 1);
                        if (v == Verdict.INVALID) {
                            return v;
                        }
                        if (v == Verdict.UNSURE) {
                            r = v;
                        }
                    }
                    return r;
                };
            }
            case "minItems": {
                long min = arg.asLong();
                return (node, depth) -> !node.isArray() || node.size() >= min ? Verdict.VALID : Verdict.UNSURE;
            }
            case "maxItems": {
                long max = arg.asLong();
                return (node, depth) -> !node.isArray() || node.size() <= max ? Verdict.VALID : Verdict.UNSURE;
            }
            case "const":
                return (node, depth) -> arg.equals(node) && sameKind(arg, node) ? Verdict.VALID : Verdict.UNSURE;
            case "enum":
                return enumeration(arg);
            case "minLength": {
                // code points, which a string never has more of than UTF-16 units: sure either way the length is counted
                long min = arg.asLong();
                return (node, depth) -> !node.isTextual() || node.textValue().codePointCount(0, node.textValue().length()) >= min
                        ? Verdict.VALID : Verdict.UNSURE;
            }
            case "maxLength": {
                long max = arg.asLong();
                return (node, depth) -> !node.isTextual() || node.textValue().length() <= max ? Verdict.VALID : Verdict.UNSURE;
            }
            case "minimum":
                return bound(arg, +1);
            case "maximum":
                return bound(arg, -1);
            case "pattern": {
                Pattern p;
                try {
                    p = Pattern.compile(arg.asText());
                } catch (java.util.regex.PatternSyntaxException e) {
                    return UNSURE; // ECMA-262 syntax Java does not read: the full validator decides
                }
                return (node, depth) -> !node.isTextual() || (plainAscii(node.textValue()) && p.matcher(node.textValue()).find())
                        ? Verdict.VALID : Verdict.UNSURE;
            }
            case "format": {
                boolean dateTime = "date-time".equals(arg.asText());
                return (node, depth) -> !node.isTextual() || (dateTime && UtcInstants.parse(node.textValue()) != null)
                        ? Verdict.VALID : Verdict.UNSURE;
            }
            default:
                return (node, depth) -> Verdict.UNSURE; // a keyword this check does not model
        }
    }

    /**
     * Refs as the schema files write them: {@code #/$defs/x}, {@code other.schema.json[#/$defs/x]}. Followed at the
     * first instance that needs them, not at compile time: a schema may refer to itself.
     */
    private Rule ref(String ref, String doc) {
        if (ref.startsWith(BASE)) {
            ref = ref.substring(BASE.length());
        }
        int hash = ref.indexOf('#');
        String target = hash == 0 ? doc : hash < 0 ? ref : ref.substring(0, hash);
        String pointer = hash < 0 ? "" : ref.substring(hash + 1);
        if (target.contains("/") || target.contains(":") || (!pointer.isEmpty() && !pointer.startsWith("/"))) {
            return UNSURE; // anchors, other bases: not used by these schemas
        }
        return new Rule() {
            private volatile Rule resolved;

            @Override
            public Verdict test(JsonNode node, int depth) {
                Rule r = resolved;
                if (r == null) {
                    resolved = r = target(target, pointer);
                }
                return r.test(node, depth + 1);
            }
        };
    }

    private static Rule type(JsonNode arg) {
        if (arg.isArray()) {
            List<Rule> alternatives = new ArrayList<>();
            arg.forEach(t -> alternatives.add(type(t)));
            Rule[] types = alternatives.toArray(Rule[]::new);
            return (node, depth) -> any(types, node, depth);
        }
        switch (arg.asText()) {
            case "object":
                return (node, depth) -> node.isObject() ? Verdict.VALID : Verdict.INVALID;
            case "array":
                return (node, depth) -> node.isArray() ? Verdict.VALID : Verdict.INVALID;
            case "string":
                return (node, depth) -> node.isTextual() ? Verdict.VALID : Verdict.INVALID;
            case "boolean":
                return (node, depth) -> node.isBoolean() ? Verdict.VALID : Verdict.INVALID;
            case "null":
                return (node, depth) -> node.isNull() ? Verdict.VALID : Verdict.INVALID;
            case "number":
                return (node, depth) -> node.isNumber() ? Verdict.VALID : Verdict.INVALID;
            case "integer":
                return (node, depth) -> {
                    if (node.isIntegralNumber()) {
                        return Verdict.VALID;
                    }
                    // 3.0 counts as an integer for some validators; a fraction for none
                    return node.isNumber() && node.decimalValue().stripTrailingZeros().scale() <= 0 ? Verdict.UNSURE
                            : Verdict.INVALID;
                };
            default:
                return UNSURE;
        }
    }

    /** A list of strings (the usual enum) is a set lookup; anything else is compared value by value. */
    private static Rule enumeration(JsonNode arg) {
        List<JsonNode> values = new ArrayList<>();
        arg.forEach(values::add);
        if (values.stream().allMatch(JsonNode::isTextual)) {
            Set<String> texts = new HashSet<>();
            values.forEach(v -> texts.add(v.textValue()));
            return (node, depth) -> node.isTextual() && texts.contains(node.textValue()) ? Verdict.VALID : Verdict.UNSURE;
        }
        return (node, depth) -> {
            for (JsonNode a : values) {
                if (a.equals(node) && sameKind(a, node)) {
                    return Verdict.VALID;
                }
            }
            return Verdict.UNSURE;
        };
    }

    /** minimum (sign +1: the instance at or above) or maximum (-1: at or below); only integers are sure. */
    private static Rule bound(JsonNode arg, int sign) {
        if (!arg.isIntegralNumber()) {
            return (node, depth) -> node.isNumber() ? Verdict.UNSURE : Verdict.VALID;
        }
        BigInteger limit = arg.bigIntegerValue();
        boolean fitsLong = limit.bitLength() < 64;
        long small = limit.longValue();
        return (node, depth) -> {
            if (!node.isNumber()) {
                return Verdict.VALID;
            }
            if (!node.isIntegralNumber()) {
                return Verdict.UNSURE;
            }
            int c = fitsLong && node.canConvertToLong() ? Long.compare(node.longValue(), small) : node.bigIntegerValue().compareTo(limit);
            return c * sign >= 0 ? Verdict.VALID : Verdict.UNSURE;
        };
    }

    private static String[] texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out.toArray(String[]::new);
    }

    /** Jackson's equals tells an int from a long and a float from an int; only same-kind equality counts as sure. */
    private static boolean sameKind(JsonNode a, JsonNode b) {
        return a.getNodeType() == b.getNodeType() && (!a.isNumber() || a.numberType() == b.numberType());
    }

    /** Printable ASCII: where Java's and ECMA-262's regular expressions agree ({@code \s}, {@code $}, {@code .}). */
    private static boolean plainAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }
}
