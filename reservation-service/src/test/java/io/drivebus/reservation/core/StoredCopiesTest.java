package io.drivebus.reservation.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.schemas.Owner;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.BiPredicate;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The state store writes a drive or reservation again only when {@link Drive#sameAs} (or {@link Reservation#sameAs})
 * says it differs from the copy last written: a field left out of copy or sameAs would be a change never stored,
 * lost on the next restore. Every field is checked by reflection, so a field added later is checked too.
 */
class StoredCopiesTest {

    @Test
    void aDriveCopyHasEveryFieldAndAChangeToAnyFieldIsSeen() {
        everyFieldCopiedAndCompared(new Drive("d1"), Drive::copy, Drive::sameAs);
    }

    @Test
    void aReservationCopyHasEveryFieldAndAChangeToAnyFieldIsSeen() {
        everyFieldCopiedAndCompared(new Reservation(), Reservation::copy, Reservation::sameAs);
    }

    @Test
    void theOrderOfADrivesHoldersCounts() {
        Drive a = new Drive("d1");
        a.holders.add("r1");
        a.holders.add("r2");
        Drive b = new Drive("d1");
        b.holders.add("r2");
        b.holders.add("r1");
        assertFalse(a.sameAs(b), "the first holder is the one the drive is reported held by");
        assertTrue(a.sameAs(a.copy()));
        a.copy().holders.add("r3");
        assertEquals(2, a.holders.size(), "the copy's holders are its own");
    }

    private static <T> void everyFieldCopiedAndCompared(T original, UnaryOperator<T> copy, BiPredicate<T, T> same) {
        List<Field> fields = fieldsOf(original.getClass());
        assertTrue(fields.size() >= 10, "fields found: " + fields);
        for (Field f : fields) {
            set(original, f, 1);
        }
        T c = copy.apply(original);
        assertTrue(same.test(original, c), "a copy is the same");
        for (Field f : fields) {
            T changed = copy.apply(original);
            set(changed, f, 2);
            assertFalse(same.test(original, changed), "a change to " + f.getName() + " is seen");
            assertFalse(same.test(changed, original), "a change to " + f.getName() + " is seen both ways");
            T back = copy.apply(changed);
            assertTrue(same.test(changed, back), f.getName() + " is copied");
        }
    }

    private static List<Field> fieldsOf(Class<?> type) {
        List<Field> out = new ArrayList<>();
        for (Field f : type.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers())) {
                f.setAccessible(true);
                out.add(f);
            }
        }
        return out;
    }

    /** Gives the field a value of its type that differs for each {@code variant} and from the type's default. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void set(Object target, Field f, int variant) {
        Class<?> t = f.getType();
        try {
            if (Collection.class.isAssignableFrom(t)) {
                Collection<Object> coll = (Collection<Object>) f.get(target);
                coll.clear();
                coll.add("h" + variant);
                coll.add("h" + (variant + 10));
                return;
            }
            Object v;
            if (t == String.class) {
                v = f.getName() + variant;
            } else if (t == long.class || t == Long.class) {
                v = 100L + variant;
            } else if (t == int.class || t == Integer.class) {
                v = 100 + variant;
            } else if (t == boolean.class) {
                v = !f.getBoolean(target);
            } else if (t == Boolean.class) {
                v = variant == 1;
            } else if (t == Instant.class) {
                v = Instant.parse("2026-11-22T00:00:00Z").plusSeconds(variant);
            } else if (t == Owner.class) {
                v = new Owner("owner" + variant, "site");
            } else if (t.isEnum()) {
                Object[] constants = t.getEnumConstants();
                v = constants[variant % constants.length];
            } else {
                throw new AssertionError("no test value for " + f + ": add one here, and the field to copy and sameAs");
            }
            f.set(target, v);
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
    }
}
