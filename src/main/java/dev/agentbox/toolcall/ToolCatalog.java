package dev.agentbox.toolcall;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

/**
 * Every tool the server offers, collected from the features' {@link ToolSet}s. Both surfaces serve exactly this list.
 */
@ApplicationScoped
public class ToolCatalog {

    private final Map<String, ToolSpec> tools = new LinkedHashMap<>();

    ToolCatalog(Instance<ToolSet> sets) {
        List<ToolSet> ordered = new ArrayList<>();
        sets.forEach(ordered::add);
        ordered.sort(java.util.Comparator.comparingInt(ToolSet::order));
        for (ToolSet set : ordered) {
            for (ToolSpec spec : set.tools()) {
                if (tools.putIfAbsent(spec.name(), spec) != null) {
                    throw new IllegalStateException("Two tools are named " + spec.name());
                }
            }
        }
    }

    /**
     * @return all tools
     */
    public List<ToolSpec> tools() {
        return List.copyOf(tools.values());
    }

    /**
     * @return the tool with that name
     */
    public Optional<ToolSpec> find(String name) {
        return Optional.ofNullable(tools.get(name));
    }
}
