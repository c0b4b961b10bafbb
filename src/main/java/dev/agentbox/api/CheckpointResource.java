package dev.agentbox.api;

import java.util.Map;

import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.smallrye.mutiny.Uni;

/**
 * Checkpoints as resources, for curl: list, make, restore, delete. The conversation comes from the conversation header
 * and decides which checkpoints are visible (a fork sees only its own); a restore goes into that conversation. Each
 * endpoint is its tool's call, with the same checks, limits, audit and reason codes.
 */
@Path("/api/checkpoints")
@Produces(MediaType.APPLICATION_JSON)
public class CheckpointResource {

    private final RestCalls restCalls;

    CheckpointResource(RestCalls restCalls) {
        this.restCalls = restCalls;
    }

    @GET
    public Uni<Response> list(HttpHeaders headers) {
        return restCalls.call("list_checkpoints", () -> restCalls.context(headers), null, Map.of(), 200);
    }

    /**
     * Makes a checkpoint: {@code {"name": "...", "paths": ["..."]}} ({@code paths} optional).
     */
    @POST
    public Uni<Response> persist(HttpHeaders headers, Map<String, Object> body) {
        return restCalls.call("persist", () -> restCalls.context(headers), body, Map.of(), 201);
    }

    /**
     * Restores a checkpoint into the header's conversation; the optional body {@code {"paths": ["..."]}} restores only
     * those paths.
     */
    @POST
    @Path("{name}/restore")
    public Uni<Response> restore(HttpHeaders headers, @PathParam("name") String name, Map<String, Object> body) {
        return restCalls.call("restore", () -> restCalls.context(headers), body, Map.of("checkpoint", name), 200);
    }

    @DELETE
    @Path("{name}")
    public Uni<Response> delete(HttpHeaders headers, @PathParam("name") String name) {
        return restCalls.call("delete_checkpoint", () -> restCalls.context(headers), null,
                Map.of("checkpoint", name), 200);
    }
}
