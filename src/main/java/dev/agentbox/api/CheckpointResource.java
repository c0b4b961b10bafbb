package dev.agentbox.api;

import java.util.List;
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

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import dev.agentbox.checkpoint.Checkpoints;
import dev.agentbox.toolcall.ToolFailure;
import io.smallrye.mutiny.Uni;

/**
 * Checkpoints as resources, for curl: list, make, restore, delete. The conversation comes from the conversation header
 * and decides which checkpoints are visible (a fork sees only its own); a restore goes into that conversation.
 */
@Path("/api/checkpoints")
@Produces(MediaType.APPLICATION_JSON)
public class CheckpointResource {

    private final Checkpoints checkpoints;
    private final RestCalls restCalls;

    CheckpointResource(Checkpoints checkpoints, RestCalls restCalls) {
        this.checkpoints = checkpoints;
        this.restCalls = restCalls;
    }

    @GET
    public Uni<Response> list(HttpHeaders headers) {
        return respond(Uni.createFrom().deferred(() -> checkpoints.list(restCalls.context(headers).conversation())),
                200);
    }

    /**
     * Makes a checkpoint: {@code {"name": "...", "paths": ["..."]}} ({@code paths} optional).
     */
    @POST
    public Uni<Response> persist(HttpHeaders headers, Map<String, Object> body) {
        return respond(Uni.createFrom().deferred(() -> checkpoints.persist(restCalls.context(headers).conversation(),
                string(body, "name"), strings(body, "paths"))), 201);
    }

    /**
     * Restores a checkpoint into the header's conversation; the optional body {@code {"paths": ["..."]}} restores only
     * those paths.
     */
    @POST
    @Path("{name}/restore")
    public Uni<Response> restore(HttpHeaders headers, @PathParam("name") String name, Map<String, Object> body) {
        return respond(Uni.createFrom().deferred(() -> checkpoints.restore(restCalls.context(headers).conversation(),
                name, strings(body, "paths"))), 200);
    }

    @DELETE
    @Path("{name}")
    public Uni<Response> delete(HttpHeaders headers, @PathParam("name") String name) {
        return respond(Uni.createFrom().deferred(() -> checkpoints.delete(restCalls.context(headers).conversation(),
                name)), 200);
    }

    @ServerExceptionMapper
    Response toolFailure(ToolFailure failure) {
        return ToolResource.error(failure);
    }

    static String string(Map<String, Object> body, String key) {
        Object value = body == null ? null : body.get(key);
        if (value != null && !(value instanceof String)) {
            throw ToolFailure.invalid("'" + key + "' must be a string.");
        }
        return (String) value;
    }

    static List<String> strings(Map<String, Object> body, String key) {
        Object value = body == null ? null : body.get(key);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list) || !list.stream().allMatch(String.class::isInstance)) {
            throw ToolFailure.invalid("'" + key + "' must be an array of strings.");
        }
        return list.stream().map(String.class::cast).toList();
    }

    static Uni<Response> respond(Uni<?> result, int status) {
        return result.map(r -> Response.status(status).entity(r).type(MediaType.APPLICATION_JSON).build())
                .onFailure(ToolFailure.class).recoverWithItem(f -> ToolResource.error((ToolFailure) f));
    }
}
