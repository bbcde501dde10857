package io.drivebus.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * The fields of a reservation event the load generator needs, read with a streaming parser. Full decoding with
 * schema validation ({@code MessageCodec.decode}) costs CPU the service needs on a 2-core machine, so it is only
 * done with {@code --validate}; this reads the same JSON without building objects.
 */
record Answer(String type, String correlationId, String source, String library, String reservationId, String drive, long token,
        String errorReason, int position) {

    private static final JsonFactory JSON = new JsonFactory();

    boolean is(String t) {
        return t.equals(type);
    }

    static Answer parse(byte[] value) {
        String type = null, corr = null, source = null, library = null, reservation = null, drive = null, reason = null;
        long token = -1;
        int position = -1;
        try (JsonParser p = JSON.createParser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                JsonToken t = p.nextToken();
                switch (f) {
                    case "type" -> type = p.getText();
                    case "correlationId" -> corr = t == JsonToken.VALUE_NULL ? null : p.getText();
                    case "source" -> source = p.getText();
                    case "payload" -> {
                        if (t != JsonToken.START_OBJECT) {
                            p.skipChildren();
                            break;
                        }
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String pf = p.currentName();
                            JsonToken pt = p.nextToken();
                            switch (pf) {
                                case "library" -> library = p.getText();
                                case "reservationId" -> reservation = p.getText();
                                case "drive" -> drive = p.getText();
                                case "token" -> token = p.getLongValue();
                                case "position" -> position = p.getIntValue();
                                case "error" -> {
                                    if (pt != JsonToken.START_OBJECT) {
                                        p.skipChildren();
                                        break;
                                    }
                                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                                        String ef = p.currentName();
                                        p.nextToken();
                                        if (ef.equals("reason")) {
                                            reason = p.getText();
                                        } else if (ef.equals("message") && reason == null) {
                                            reason = p.getText();
                                        } else {
                                            p.skipChildren();
                                        }
                                    }
                                }
                                default -> p.skipChildren();
                            }
                        }
                    }
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            return null;
        }
        return new Answer(type, corr, source, library, reservation, drive, token, reason, position);
    }
}
