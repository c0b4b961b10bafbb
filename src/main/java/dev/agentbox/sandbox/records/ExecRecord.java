package dev.agentbox.sandbox.records;

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
public record ExecRecord(String id, Instant startedAt, Map<String, String> labels) {
}
