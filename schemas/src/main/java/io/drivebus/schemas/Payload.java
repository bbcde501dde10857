package io.drivebus.schemas;

/** The body of a message. Every payload names the library it concerns: that is the record key. */
public interface Payload {
    String library();
}
