package dev.agentbox.bench;

/**
 * One line of the report.
 *
 * @param section the part of the report it belongs to
 * @param name what was measured
 * @param samples the latencies
 * @param note what to keep in mind reading it (may be empty)
 */
record Measurement(String section, String name, Samples samples, String note) {
}
