package io.drivebus.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
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
 */
final class SchemaCheck {

    /** Three-valued, so that {@code not} stays sound: FALSE only where the instance certainly fails. */
    enum Verdict { VALID, INVALID, UNSURE }

    private static final String BASE = "https://drivebus.io/schemas/";
    /** Keywords that never change whether an instance is valid. */
    private static final Set<String> ANNOTATIONS = Set.of("$schema", "$id", "$defs", "$comment", "title", "description",
            "default", "examples", "deprecated", "readOnly", "writeOnly");
    /** Strict RFC 3339 instants as Jackson writes them (UTC, 'Z'); anything else is left to the full validator. */
    private static final Pattern DATE_TIME = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(\\.\\d{1,9})?Z");

    private final ObjectMapper mapper;
    private final Map<String, JsonNode> documents = new ConcurrentHashMap<>();
    private final Map<String, Pattern> patterns = new ConcurrentHashMap<>();
    /** Per document, what each of its refs points to. */
    private final Map<String, Map<String, Target>> refs = new ConcurrentHashMap<>();

    private record Target(String doc, JsonNode schema) {
    }

    private static final Target UNRESOLVED = new Target("", com.fasterxml.jackson.databind.node.MissingNode.getInstance());

    SchemaCheck(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** VALID only if the full schema validation of this message type would report nothing. */
    Verdict check(MessageType type, JsonNode instance) {
        try {
            String doc = type.typeName() + ".schema.json";
            return eval(document(doc), doc, instance, 0);
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

    private Verdict eval(JsonNode schema, String doc, JsonNode node, int depth) {
        if (depth > 64) {
            return Verdict.UNSURE;
        }
        if (schema.isBoolean()) {
            return schema.asBoolean() ? Verdict.VALID : Verdict.INVALID;
        }
        if (!schema.isObject()) {
            return Verdict.UNSURE;
        }
        Verdict result = Verdict.VALID;
        for (Iterator<Map.Entry<String, JsonNode>> it = schema.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (ANNOTATIONS.contains(e.getKey())) {
                continue;
            }
            Verdict v = keyword(e.getKey(), e.getValue(), schema, doc, node, depth);
            if (v == Verdict.INVALID) {
                return v;
            }
            if (v == Verdict.UNSURE) {
                result = v;
            }
        }
        return result;
    }

    private Verdict keyword(String k, JsonNode arg, JsonNode schema, String doc, JsonNode node, int depth) {
        switch (k) {
            case "$ref":
                return ref(arg.asText(), doc, node, depth);
            case "type":
                return type(arg, node);
            case "allOf": {
                Verdict r = Verdict.VALID;
                for (JsonNode s : arg) {
                    Verdict v = eval(s, doc, node, depth + 1);
                    if (v == Verdict.INVALID) {
                        return v;
                    }
                    if (v == Verdict.UNSURE) {
                        r = v;
                    }
                }
                return r;
            }
            case "anyOf": {
                Verdict r = Verdict.INVALID;
                for (JsonNode s : arg) {
                    Verdict v = eval(s, doc, node, depth + 1);
                    if (v == Verdict.VALID) {
                        return v;
                    }
                    if (v == Verdict.UNSURE) {
                        r = v;
                    }
                }
                return r;
            }
            case "not": {
                Verdict v = eval(arg, doc, node, depth + 1);
                return v == Verdict.VALID ? Verdict.INVALID : v == Verdict.INVALID ? Verdict.VALID : Verdict.UNSURE;
            }
            case "required": {
                if (!node.isObject()) {
                    return Verdict.VALID; // applies to objects only
                }
                for (JsonNode name : arg) {
                    if (!node.has(name.asText())) {
                        return Verdict.INVALID;
                    }
                }
                return Verdict.VALID;
            }
            case "properties": {
                if (!node.isObject()) {
                    return Verdict.VALID;
                }
                Verdict r = Verdict.VALID;
                for (Iterator<Map.Entry<String, JsonNode>> it = arg.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> p = it.next();
                    JsonNode value = node.get(p.getKey());
                    if (value != null) {
                        Verdict v = eval(p.getValue(), doc, value, depth + 1);
                        if (v == Verdict.INVALID) {
                            return v;
                        }
                        if (v == Verdict.UNSURE) {
                            r = v;
                        }
                    }
                }
                return r;
            }
            case "additionalProperties": {
                if (!node.isObject() || (arg.isBoolean() && arg.asBoolean())) {
                    return Verdict.VALID;
                }
                if (!arg.isBoolean() || schema.has("patternProperties")) {
                    return Verdict.UNSURE;
                }
                JsonNode props = schema.path("properties");
                for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                    if (!props.has(it.next())) {
                        return Verdict.UNSURE; // a stray field: the validator names it
                    }
                }
                return Verdict.VALID;
            }
            case "items": {
                if (!node.isArray()) {
                    return Verdict.VALID;
                }
                Verdict r = Verdict.VALID;
                for (JsonNode item : node) {
                    Verdict v = eval(arg, doc, item, depth + 1);
                    if (v == Verdict.INVALID) {
                        return v;
                    }
                    if (v == Verdict.UNSURE) {
                        r = v;
                    }
                }
                return r;
            }
            case "minItems":
                return !node.isArray() || node.size() >= arg.asLong() ? Verdict.VALID : Verdict.UNSURE;
            case "maxItems":
                return !node.isArray() || node.size() <= arg.asLong() ? Verdict.VALID : Verdict.UNSURE;
            case "const":
                return arg.equals(node) && sameKind(arg, node) ? Verdict.VALID : Verdict.UNSURE;
            case "enum":
                for (JsonNode a : arg) {
                    if (a.equals(node) && sameKind(a, node)) {
                        return Verdict.VALID;
                    }
                }
                return Verdict.UNSURE;
            case "minLength":
                // code points, which a string never has more of than UTF-16 units: sure either way the length is counted
                return !node.isTextual() || node.asText().codePointCount(0, node.asText().length()) >= arg.asLong()
                        ? Verdict.VALID : Verdict.UNSURE;
            case "maxLength":
                return !node.isTextual() || node.asText().length() <= arg.asLong() ? Verdict.VALID : Verdict.UNSURE;
            case "minimum":
                return !node.isNumber() || (node.isIntegralNumber() && arg.isIntegralNumber()
                        && node.bigIntegerValue().compareTo(arg.bigIntegerValue()) >= 0) ? Verdict.VALID : Verdict.UNSURE;
            case "maximum":
                return !node.isNumber() || (node.isIntegralNumber() && arg.isIntegralNumber()
                        && node.bigIntegerValue().compareTo(arg.bigIntegerValue()) <= 0) ? Verdict.VALID : Verdict.UNSURE;
            case "pattern":
                return !node.isTextual() || (plainAscii(node.asText()) && pattern(arg.asText()).matcher(node.asText()).find())
                        ? Verdict.VALID : Verdict.UNSURE;
            case "format":
                return !node.isTextual() || ("date-time".equals(arg.asText()) && dateTime(node.asText()))
                        ? Verdict.VALID : Verdict.UNSURE;
            default:
                return Verdict.UNSURE; // a keyword this check does not model
        }
    }

    /** Refs as the schema files write them: {@code #/$defs/x}, {@code other.schema.json[#/$defs/x]}. */
    private Verdict ref(String ref, String doc, JsonNode node, int depth) {
        Target t = refs.computeIfAbsent(doc, d -> new ConcurrentHashMap<>()).computeIfAbsent(ref, r -> resolve(r, doc));
        return t == UNRESOLVED ? Verdict.UNSURE : eval(t.schema(), t.doc(), node, depth + 1);
    }

    /** Where a ref points; resolved once per document and ref (parsing its JSON pointer on every message was slow). */
    private Target resolve(String ref, String doc) {
        if (ref.startsWith(BASE)) {
            ref = ref.substring(BASE.length());
        }
        int hash = ref.indexOf('#');
        String target = hash == 0 ? doc : hash < 0 ? ref : ref.substring(0, hash);
        String pointer = hash < 0 ? "" : ref.substring(hash + 1);
        if (target.contains("/") || target.contains(":") || (!pointer.isEmpty() && !pointer.startsWith("/"))) {
            return UNRESOLVED; // anchors, other bases: not used by these schemas
        }
        JsonNode s = document(target).at(pointer);
        return s.isMissingNode() ? UNRESOLVED : new Target(target, s);
    }

    private static Verdict type(JsonNode arg, JsonNode node) {
        if (arg.isArray()) {
            Verdict r = Verdict.INVALID;
            for (JsonNode t : arg) {
                Verdict v = type(t, node);
                if (v == Verdict.VALID) {
                    return v;
                }
                if (v == Verdict.UNSURE) {
                    r = v;
                }
            }
            return r;
        }
        boolean is;
        switch (arg.asText()) {
            case "object" -> is = node.isObject();
            case "array" -> is = node.isArray();
            case "string" -> is = node.isTextual();
            case "boolean" -> is = node.isBoolean();
            case "null" -> is = node.isNull();
            case "number" -> is = node.isNumber();
            case "integer" -> {
                if (node.isIntegralNumber()) {
                    return Verdict.VALID;
                }
                // 3.0 counts as an integer for some validators; a fraction for none
                return node.isNumber() && node.decimalValue().stripTrailingZeros().scale() <= 0 ? Verdict.UNSURE
                        : Verdict.INVALID;
            }
            default -> {
                return Verdict.UNSURE;
            }
        }
        return is ? Verdict.VALID : Verdict.INVALID;
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

    private Pattern pattern(String regex) {
        return patterns.computeIfAbsent(regex, Pattern::compile);
    }

    /** The pattern, and a real day of its month (no 30 February); parsed by hand, as Instant.parse was slow. */
    private static boolean dateTime(String s) {
        if (!DATE_TIME.matcher(s).matches()) {
            return false;
        }
        int year = Integer.parseInt(s, 0, 4, 10);
        int month = Integer.parseInt(s, 5, 7, 10);
        int day = Integer.parseInt(s, 8, 10, 10);
        return month >= 1 && month <= 12 && day >= 1 && day <= java.time.YearMonth.of(year, month).lengthOfMonth();
    }
}
