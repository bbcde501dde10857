package io.drivebus.agent.changer;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A library this agent serves. Its lock is held for every command (so the robot makes one motion at a time) and
 * for every full status read, so a status never shows a motion half done. A motion can take minutes on a real
 * changer: heartbeats meanwhile publish the last inventory read, with the moving drive {@code busy}
 * ({@link #lastInventory}, {@link #busyDrives}), so the agent never looks dead while its robot works.
 *
 * <p>Drive errors: a failed motion marks its drive in error with the driver's message until a later command on
 * that drive succeeds or the library is scanned. They are kept in memory: after a restart the agent re-reads the
 * library and shows what it finds.
 */
public final class Library {
    private final String id;
    private final LibraryDriver driver;
    private final ReentrantLock lock = new ReentrantLock(true);
    /** Orders "take a sequence number and send" between the command thread and heartbeats. */
    private final Object publishLock = new Object();
    private final Set<String> busy = ConcurrentHashMap.newKeySet();
    private final Map<String, String> errors = new ConcurrentHashMap<>();
    private volatile LibraryInventory lastInventory;

    public Library(String id, LibraryDriver driver) {
        this.id = id;
        this.driver = driver;
    }

    public String id() {
        return id;
    }

    public LibraryDriver driver() {
        return driver;
    }

    public void lock() {
        lock.lock();
    }

    /** Waits at most {@code millis} for the library (a heartbeat does not wait out a motion). */
    public boolean tryLock(long millis) {
        try {
            return lock.tryLock(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public void unlock() {
        lock.unlock();
    }

    public Object publishLock() {
        return publishLock;
    }

    public void beginMotion(String drive) {
        if (drive != null) {
            busy.add(drive);
        }
    }

    public void endMotion(String drive) {
        if (drive != null) {
            busy.remove(drive);
        }
    }

    public Set<String> busyDrives() {
        return Set.copyOf(busy);
    }

    public void markError(String drive, String message) {
        errors.put(drive, message == null ? "error" : message);
    }

    public void clearError(String drive) {
        errors.remove(drive);
    }

    public void clearErrors() {
        errors.clear();
    }

    /** The error a failed motion left on the drive, null if none. */
    public String driveError(String drive) {
        return errors.get(drive);
    }

    public LibraryInventory lastInventory() {
        return lastInventory;
    }

    public void rememberInventory(LibraryInventory inv) {
        this.lastInventory = inv;
    }
}
