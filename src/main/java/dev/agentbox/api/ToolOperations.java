package dev.agentbox.api;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.parameters.Parameter;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;

import dev.agentbox.conversation.ConversationConfig;
import dev.agentbox.toolcall.Reason;
import dev.agentbox.toolcall.ToolCatalog;
import dev.agentbox.toolcall.ToolParam;
import dev.agentbox.toolcall.ToolSpec;
import io.quarkus.smallrye.openapi.OpenApiFilter;

/**
 * Completes the OpenAPI document of the REST surface at start-up: {@code POST /api/tools/{tool}} takes a free-form
 * body in code, so each tool of the catalog becomes an operation of its own, whose request body is the tool's input
 * schema (the one MCP clients see) and whose error responses carry the reason codes that status can have. Every
 * operation that needs a conversation gets the conversation header as a required parameter.
 */
@ApplicationScoped
@OpenApiFilter(stages = OpenApiFilter.RunStage.RUNTIME_STARTUP)
public class ToolOperations implements OASFilter {

    private static final String GENERIC_TOOL_PATH = "/api/tools/{tool}";
    private static final String TOOL_LIST_PATH = "/api/tools";
    private static final String ERROR_SCHEMA = "ToolError";
    private static final String ERROR_REF = "#/components/schemas/" + ERROR_SCHEMA;

    private final ToolCatalog catalog;
    private final ConversationConfig conversations;

    ToolOperations(ToolCatalog catalog, ConversationConfig conversations) {
        this.catalog = catalog;
        this.conversations = conversations;
    }

    @Override
    public void filterOpenAPI(OpenAPI openApi) {
        openApi.getComponents().addSchema(ERROR_SCHEMA, errorSchema());
        openApi.getPaths().removePathItem(GENERIC_TOOL_PATH);
        openApi.getPaths().getPathItems().forEach((path, item) -> {
            if (path.startsWith("/api/") && !path.equals(TOOL_LIST_PATH)) {
                item.getOperations().values().forEach(this::addConversationHeader);
            }
        });
        for (ToolSpec tool : catalog.tools()) {
            openApi.getPaths().addPathItem("/api/tools/" + tool.name(),
                    OASFactory.createPathItem().POST(operation(tool)));
        }
    }

    private Operation operation(ToolSpec tool) {
        Operation operation = OASFactory.createOperation().operationId(tool.name()).summary(tool.title())
                .description(tool.description()).addTag("tools")
                .requestBody(OASFactory.createRequestBody()
                        .required(tool.params().stream().anyMatch(ToolParam::required))
                        .description("The tool's arguments; a call without arguments may send no body.")
                        .content(json(schema(tool.inputSchema()))))
                .responses(OASFactory.createAPIResponses().addAPIResponse("200", OASFactory.createAPIResponse()
                        .description("The result: the same fields as the MCP tool's structured content.")
                        .content(json(OASFactory.createSchema().type(List.of(Schema.SchemaType.OBJECT))))
                        .addHeader(ToolResource.NOTICE_HEADER, OASFactory.createHeader()
                                .description("A notice about the conversation's sandbox, for example that it was "
                                        + "stopped while idle; one header per notice.")
                                .schema(OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING))))));
        addConversationHeader(operation);
        return operation;
    }

    /** Adds the conversation header to an operation that reads a conversation, with the error responses. */
    private void addConversationHeader(Operation operation) {
        operation.addParameter(OASFactory.createParameter().name(conversations.header()).in(Parameter.In.HEADER)
                .required(true).description("The conversation the call belongs to: letters, digits and . _ : -, at "
                        + "most " + conversations.maxKeyLength() + " characters. Reuse a key to come back to its "
                        + "workspace.")
                .schema(OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING))));
        if (operation.getResponses() == null) {
            operation.responses(OASFactory.createAPIResponses());
        }
        addErrors(operation.getResponses());
    }

    private static void addErrors(APIResponses responses) {
        Map<Integer, List<Reason>> byStatus = Arrays.stream(Reason.values())
                .collect(Collectors.groupingBy(ToolResource::status, TreeMap::new, Collectors.toList()));
        byStatus.forEach((status, reasons) -> {
            if (!responses.hasAPIResponse(status.toString())) {
                responses.addAPIResponse(status.toString(), OASFactory.createAPIResponse()
                        .description("A tool error with reason " + reasons.stream().map(Reason::name)
                                .collect(Collectors.joining(", ")) + ".")
                        .content(json(OASFactory.createSchema().ref(ERROR_REF))));
            }
        });
    }

    private static Schema errorSchema() {
        return OASFactory.createSchema().type(List.of(Schema.SchemaType.OBJECT))
                .description("A failure the caller can act on: a stable reason code and one sentence naming the value.")
                .addProperty("reason", OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING))
                        .enumeration(Arrays.stream(Reason.values()).map(r -> (Object) r.name()).toList()))
                .addProperty("message", OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING)))
                .addProperty("details", OASFactory.createSchema().type(List.of(Schema.SchemaType.OBJECT))
                        .description("What the caller still needs to see, for example the output of a command "
                                + "that timed out."))
                .required(List.of("reason", "message"));
    }

    private static Content json(Schema schema) {
        return OASFactory.createContent().addMediaType("application/json",
                OASFactory.createMediaType().schema(schema));
    }

    /** Turns a JSON Schema held as maps (as {@link ToolSpec#inputSchema()} gives it) into the OpenAPI model. */
    @SuppressWarnings("unchecked")
    static Schema schema(Map<String, Object> json) {
        Schema schema = OASFactory.createSchema();
        Map<String, Object> rest = new LinkedHashMap<>(json);
        Object type = rest.remove("type");
        if (type instanceof String name) {
            schema.type(List.of(Schema.SchemaType.valueOf(name.toUpperCase(java.util.Locale.ROOT))));
        }
        Object properties = rest.remove("properties");
        if (properties instanceof Map<?, ?> map) {
            schema.properties(new LinkedHashMap<>());
            map.forEach((name, property) -> schema.addProperty((String) name, schema((Map<String, Object>) property)));
        }
        Object additional = rest.remove("additionalProperties");
        if (additional instanceof Boolean allowed) {
            schema.additionalPropertiesBoolean(allowed);
        }
        rest.forEach(schema::set);
        return schema;
    }
}
