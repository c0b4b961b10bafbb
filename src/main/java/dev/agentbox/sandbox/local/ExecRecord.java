package dev.agentbox.sandbox.local;

import java.time.Instant;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * What the backend writes into an exec's record directory before the exec starts ({@code exec.json}).
 *
 * @param id the exec id
 * @param startedAt when it was started
 * @param labels the caller's labels
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record ExecRecord(String id, Instant startedAt, Map<String, String> labels) {
}
