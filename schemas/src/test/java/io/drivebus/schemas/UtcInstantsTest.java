package io.drivebus.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.time.YearMonth;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The hand-written reader accepts exactly the strict UTC form (the schema check's old regex and day check) and reads it as Instant.parse does. */
class UtcInstantsTest {

    static final Pattern STRICT = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(\\.\\d{1,9})?Z");

    static boolean strict(String s) {
        if (!STRICT.matcher(s).matches()) {
            return false;
        }
        int year = Integer.parseInt(s, 0, 4, 10);
        int month = Integer.parseInt(s, 5, 7, 10);
        int day = Integer.parseInt(s, 8, 10, 10);
        return month >= 1 && month <= 12 && day >= 1 && day <= YearMonth.of(year, month).lengthOfMonth();
    }

    @Test
    void readsWhatJacksonWritesAsInstantParseDoes() {
        Random r = new Random(7);
        for (int i = 0; i < 100_000; i++) {
            Instant at = Instant.ofEpochSecond(r.nextLong(-62_135_596_800L, 253_402_300_799L), r.nextInt(4) == 0 ? 0 : r.nextInt(1_000_000_000));
            String text = at.toString();
            assertEquals(at, UtcInstants.parse(text), text);
        }
        assertEquals(Instant.parse("2024-02-29T23:59:59.5Z"), UtcInstants.parse("2024-02-29T23:59:59.5Z"));
        assertEquals(Instant.parse("2026-11-21T10:15:30.000000001Z"), UtcInstants.parse("2026-11-21T10:15:30.000000001Z"));
    }

    @Test
    void acceptsExactlyTheStrictForm() {
        String[] refused = {"", "2026-11-21", "2026-11-21T10:15:30", "2026-11-21T10:15:30z", "2026-11-21t10:15:30Z",
            "2026-11-21T10:15:30.Z", "2026-11-21T10:15:30.1234567890Z", "2026-11-21T24:00:00Z", "2026-11-21T10:60:00Z",
            "2026-11-21T10:15:60Z", "2026-02-29T10:15:30Z", "2026-04-31T10:15:30Z", "2026-13-01T10:15:30Z", "2026-00-01T10:15:30Z",
            "2026-11-00T10:15:30Z", "2026-11-21T10:15:30+00:00", "+2026-11-21T10:15:30Z", "2026-11-2１T10:15:30Z",
            "2026-11-21 10:15:30Z", "-026-11-21T10:15:30Z", "2026-11-21T1:15:30.5Z"};
        for (String s : refused) {
            assertNull(UtcInstants.parse(s), s);
            assertEquals(strict(s), false, s);
        }
        // every one-character change of a valid instant: accepted exactly when the old regex and day check accepted it
        String[] bases = {"2026-11-21T10:15:30Z", "2024-02-29T23:59:59.123456789Z", "0000-01-01T00:00:00.5Z"};
        String alphabet = "0123456789-:.TZtz+ ";
        for (String base : bases) {
            for (int i = 0; i < base.length(); i++) {
                for (char c : alphabet.toCharArray()) {
                    String m = base.substring(0, i) + c + base.substring(i + 1);
                    Instant read = UtcInstants.parse(m);
                    assertEquals(strict(m), read != null, m);
                    if (read != null) {
                        assertEquals(Instant.parse(m), read, m);
                    }
                }
                String cut = base.substring(0, i) + base.substring(i + 1);
                assertEquals(strict(cut), UtcInstants.parse(cut) != null, cut);
            }
        }
    }
}
