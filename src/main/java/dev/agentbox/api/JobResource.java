package dev.agentbox.api;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestStreamElementType;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import dev.agentbox.jobs.JobOutput;
import dev.agentbox.jobs.Jobs;
import dev.agentbox.toolcall.CallContext;
import dev.agentbox.toolcall.ToolCalls;
import dev.agentbox.toolcall.ToolCatalog;
import dev.agentbox.toolcall.ToolFailure;
import dev.agentbox.toolcall.ToolSpec;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * The conversation's jobs as resources, for curl: list, status, output, a live follow of the output as Server-Sent
 * Events, and kill. The conversation comes from the conversation header. Starting a job is
 * {@code POST /api/tools/bash} with {@code "background": true}.
 */
@Path("/api/jobs")
@Tag(name = "jobs", description = "The conversation's jobs: every bash call is one.")
@Produces(MediaType.APPLICATION_JSON)
public class JobResource {

    private static final int FOLLOW_WAIT_SECONDS = 15;

    private final Jobs jobs;
    private final RestCalls restCalls;
    private final ToolCatalog catalog;
    private final ToolCalls toolCalls;

    JobResource(Jobs jobs, RestCalls restCalls, ToolCatalog catalog, ToolCalls toolCalls) {
        this.jobs = jobs;
        this.restCalls = restCalls;
        this.catalog = catalog;
        this.toolCalls = toolCalls;
    }

    @GET
    @Operation(summary = "List the conversation's jobs, newest first (the same fields as list_jobs)")
    public Uni<Response> list(HttpHeaders headers) {
        return tool("list_jobs", headers, Map.of());
    }

    @GET
    @Path("{id}")
    @Operation(summary = "A job's status (the same fields as job_status)")
    public Uni<Response> status(HttpHeaders headers, @PathParam("id") String id) {
        return tool("job_status", headers, Map.of("job_id", id));
    }

    /**
     * A piece of output: from {@code offset} (default: the tail), waiting up to {@code wait_seconds} for more.
     */
    @GET
    @Path("{id}/output")
    @Operation(summary = "A piece of a job's output from a byte offset, or the tail, waiting up to wait_seconds for "
            + "more (the same fields as job_output)")
    public Uni<Response> output(HttpHeaders headers, @PathParam("id") String id, @QueryParam("stream") String stream,
            @QueryParam("offset") Long offset, @QueryParam("wait_seconds") Integer waitSeconds) {
        Map<String, Object> arguments = new HashMap<>();
        arguments.put("job_id", id);
        arguments.put("stream", stream);
        arguments.put("offset", offset);
        arguments.put("wait_seconds", waitSeconds);
        arguments.values().removeIf(java.util.Objects::isNull);
        return tool("job_output", headers, arguments);
    }

    /**
     * Follows a job's output from {@code offset} (default 0) as Server-Sent Events, one JSON piece per event, until
     * the job has ended and everything was sent; the last event has {@code "complete": true}.
     */
    @GET
    @Path("{id}/follow")
    @Operation(summary = "Follow a job's output as Server-Sent Events until it ends; the last event has "
            + "complete: true")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<JobOutput> follow(HttpHeaders headers, @PathParam("id") String id, @QueryParam("stream") String stream,
            @QueryParam("offset") Long offset) {
        CallContext call = restCalls.context(headers);
        AtomicLong next = new AtomicLong(offset == null ? 0 : offset);
        return Multi.createBy().repeating()
                .uni(() -> jobs.output(call, id, stream, next.get(), FOLLOW_WAIT_SECONDS)
                        .invoke(piece -> next.set(piece.nextOffset())))
                .whilst(piece -> !piece.complete())
                .select().where(piece -> !piece.output().isEmpty() || piece.complete());
    }

    @POST
    @Path("{id}/kill")
    @Operation(summary = "Kill a job with every process it started (the same fields as job_kill)")
    public Uni<Response> kill(HttpHeaders headers, @PathParam("id") String id) {
        return tool("job_kill", headers, Map.of("job_id", id));
    }

    @ServerExceptionMapper
    Response toolFailure(ToolFailure failure) {
        return ToolResource.error(failure);
    }

    /** Runs a job tool through the same path as every tool call (limits, audit, metrics). */
    private Uni<Response> tool(String name, HttpHeaders headers, Map<String, Object> arguments) {
        ToolSpec spec = catalog.find(name).orElseThrow();
        return toolCalls.call(spec, () -> restCalls.context(headers), arguments).map(ToolResource::response);
    }
}
