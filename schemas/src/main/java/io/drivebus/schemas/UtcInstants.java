package io.drivebus.schemas;

import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;

/**
 * Reads instants in the one form this project writes them: RFC 3339 in UTC as Jackson writes an {@link Instant}
 * ({@code 2026-11-21T10:15:30.123Z}, 0–9 fraction digits). Both the schema check's {@code date-time} and every
 * envelope's {@code occurredAt} go through it; {@code Instant.parse} was a tenth of the codec's CPU.
 */
final class UtcInstants {

    private UtcInstants() {
    }

    /** The instant, or null where the text is not exactly this form (or names a day its month does not have). */
    static Instant parse(String s) {
        int n = s.length();
        if (n != 20 && (n < 22 || n > 30)) {
            return null;
        }
        if (s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':' || s.charAt(16) != ':'
                || s.charAt(n - 1) != 'Z' || (n > 20 && s.charAt(19) != '.')) {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 7);
        int day = digits(s, 8, 10);
        int hour = digits(s, 11, 13);
        int minute = digits(s, 14, 16);
        int second = digits(s, 17, 19);
        int fraction = n > 20 ? digits(s, 20, n - 1) : 0;
        if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || second < 0 || second > 59 || fraction < 0 || day > YearMonth.of(year, month).lengthOfMonth()) {
            return null;
        }
        int nanos = fraction;
        for (int digits = n > 20 ? n - 21 : 9; digits < 9; digits++) {
            nanos *= 10;
        }
        long epochSecond = LocalDate.of(year, month, day).toEpochDay() * 86_400L + hour * 3_600L + minute * 60L + second;
        return Instant.ofEpochSecond(epochSecond, nanos);
    }

    /** The ASCII digits from..to as a number, or -1 if any is not one. */
    private static int digits(String s, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
