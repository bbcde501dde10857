package io.drivebus.schemas;

/** Amanda's changer error classes: {@code fatal} means retrying cannot help, {@code failed} that it might. */
public enum ErrorKind {
    fatal, failed
}
