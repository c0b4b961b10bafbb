package dev.agentbox.toolcall;

import java.util.List;

/**
 * A feature's tools. Every CDI bean implementing this contributes its tools to the {@link ToolCatalog}.
 */
public interface ToolSet {

    /**
     * @return the tools, in the order a listing shows them
     */
    List<ToolSpec> tools();

    /**
     * @return where the set's tools appear in listings, lowest first
     */
    int order();
}
