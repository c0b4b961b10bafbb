package dev.agentbox.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import org.jboss.resteasy.reactive.RestQuery;

import dev.agentbox.auth.Caller;
import dev.agentbox.conversation.Callers;
import io.smallrye.common.annotation.Blocking;

/**
 * The audit log over REST: query events newest first, or export them as JSON lines, filtered by principal,
 * conversation (id or key), tool, outcome, type and time range. An administrator sees every principal's events;
 * anyone else sees only their own, whatever principal they ask for.
 */
@Path("/api/audit")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class AuditResource {

    private static final int MAX_LIMIT = 1000;

    private final AuditLog log;
    private final Callers callers;

    AuditResource(AuditLog log, Callers callers) {
        this.log = log;
        this.callers = callers;
    }

    /** A page of events, newest first. */
    public record Page(List<AuditEvent> events, boolean more) {
    }

    /**
     * @param from the earliest event time, ISO-8601 (for example {@code 2026-12-03T10:00:00Z})
     * @param to the time events must be before, ISO-8601
     * @param limit how many events at most (default 100, at most 1000)
     */
    @GET
    public Response query(@RestQuery String principal, @RestQuery String conversation, @RestQuery String tool,
            @RestQuery String outcome, @RestQuery String type, @RestQuery String from, @RestQuery String to,
            @QueryParam("limit") Integer limit) throws IOException {
        int max = limit == null ? 100 : limit;
        if (max < 1 || max > MAX_LIMIT) {
            return bad("limit must be between 1 and " + MAX_LIMIT + ", not " + max + ".");
        }
        AuditLog.Query query;
        try {
            query = query(principal, conversation, tool, outcome, type, from, to);
        } catch (DateTimeParseException e) {
            return bad("from and to are ISO-8601 instants such as 2026-12-03T10:00:00Z; '" + e.getParsedString()
                    + "' is not one.");
        }
        if (query == null) {
            return Response.ok(new Page(List.of(), false)).build();
        }
        List<AuditEvent> events = log.newest(query, max + 1);
        return Response.ok(new Page(events.subList(0, Math.min(max, events.size())), events.size() > max)).build();
    }

    /**
     * Every matching event as one JSON line each, oldest first ({@code application/x-ndjson}), for download.
     */
    @GET
    @Path("export")
    @Produces("application/x-ndjson")
    public Response export(@RestQuery String principal, @RestQuery String conversation, @RestQuery String tool,
            @RestQuery String outcome, @RestQuery String type, @RestQuery String from, @RestQuery String to) {
        AuditLog.Query query;
        try {
            query = query(principal, conversation, tool, outcome, type, from, to);
        } catch (DateTimeParseException e) {
            return bad("from and to are ISO-8601 instants such as 2026-12-03T10:00:00Z; '" + e.getParsedString()
                    + "' is not one.");
        }
        if (query == null) {
            return Response.ok("", "application/x-ndjson").build();
        }
        StreamingOutput body = out -> {
            try {
                log.export(query, line -> {
                    try {
                        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        };
        return Response.ok(body, "application/x-ndjson")
                .header("Content-Disposition", "attachment; filename=\"agentbox-audit.jsonl\"").build();
    }

    /** @return the query, or {@code null} when a non-administrator asks for another principal's events */
    private AuditLog.Query query(String principal, String conversation, String tool, String outcome, String type,
            String from, String to) {
        Caller caller = callers.current();
        String scoped = principal;
        if (!caller.admin()) {
            if (principal != null && !principal.equals(caller.principal())) {
                return null;
            }
            scoped = caller.principal();
        }
        return new AuditLog.Query(blankToNull(scoped), blankToNull(conversation), blankToNull(tool),
                blankToNull(outcome), blankToNull(type), from == null || from.isBlank() ? null : Instant.parse(from),
                to == null || to.isBlank() ? null : Instant.parse(to));
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static Response bad(String message) {
        return Response.status(400).entity(Map.of("reason", "INVALID_ARGUMENT", "message", message))
                .type(MediaType.APPLICATION_JSON).build();
    }
}
