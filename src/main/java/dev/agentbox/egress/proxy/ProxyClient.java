package dev.agentbox.egress.proxy;

import java.util.concurrent.atomic.AtomicInteger;

import dev.agentbox.egress.EgressPolicy;

/**
 * A sandbox the proxy serves, known by the address its connections come from (which the backend guarantees it cannot
 * forge).
 *
 * @param conversationId the conversation's id
 * @param sandboxId the sandbox's id
 * @param policy the sandbox's egress rules
 * @param connections how many connections the sandbox has open through the proxy now
 */
public record ProxyClient(String conversationId, String sandboxId, EgressPolicy policy, AtomicInteger connections) {

    public ProxyClient(String conversationId, String sandboxId, EgressPolicy policy) {
        this(conversationId, sandboxId, policy, new AtomicInteger());
    }
}
