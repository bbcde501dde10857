package io.drivebus.agent.changer;

/** A volume as its label header names it. {@code barcode} may be null (a library without a barcode reader). */
public record Volume(String label, String barcode) {
}
