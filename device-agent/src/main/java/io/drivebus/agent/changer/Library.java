package io.drivebus.agent.changer;

import java.util.concurrent.locks.ReentrantLock;

/**
 * A library this agent serves. Its lock is held for every robot motion and every status read, so the library
 * moves one volume at a time and a status never shows a motion half done.
 */
public final class Library {
    private final String id;
    private final LibraryDriver driver;
    private final ReentrantLock lock = new ReentrantLock(true);

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

    public void unlock() {
        lock.unlock();
    }
}
