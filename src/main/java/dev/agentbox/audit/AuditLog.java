package dev.agentbox.audit;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import dev.agentbox.metrics.AgentboxMetrics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * The audit log: records events as JSON lines on stdout (logger {@code agentbox.audit}) and in the durable store, and
 * answers queries over the store. {@link #record(AuditEvent)} is the one entry point for every kind of event, egress
 * decisions of the egress proxy included; it returns once the event is written.
 */
@ApplicationScoped
public class AuditLog {

    private static final Logger LOG = Logger.getLogger(AuditLog.class);
    private static final Logger STDOUT = Logger.getLogger("agentbox.audit");

    private final AuditConfig config;
    private final AgentboxMetrics metrics;
    private final ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private final ScheduledExecutorService syncer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "agentbox-audit-sync");
        thread.setDaemon(true);
        return thread;
    });
    private volatile AuditStore store;
    private volatile String problem = "the audit log has not started";

    AuditLog(AuditConfig config, AgentboxMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
    }

    void onStart(@Observes @Priority(1) StartupEvent event) {
        if (!config.enabled()) {
            problem = null;
            LOG.warnf("Audit log off (agentbox.audit.enabled=false): tool calls are not recorded");
            return;
        }
        try {
            store = new AuditStore(config.dir().toAbsolutePath().normalize(), config.segmentSize().asLongValue(),
                    config.maxSize().asLongValue(), config.retention());
            store.prune();
            problem = null;
            long interval = Math.max(10, config.syncInterval().toMillis());
            syncer.scheduleWithFixedDelay(this::sync, interval, interval, TimeUnit.MILLISECONDS);
            syncer.scheduleWithFixedDelay(this::prune, 1, 1, TimeUnit.HOURS);
            LOG.infof("Audit log on [dir: %s, stdout: %s, max-size: %d MiB, retention: %s]", config.dir(),
                    config.stdout(), config.maxSize().asLongValue() >> 20, config.retention());
        } catch (IOException | RuntimeException e) {
            problem = "the audit store cannot be opened: " + e.getMessage();
            LOG.errorf(e, "The audit log cannot start [dir: %s]", config.dir());
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        syncer.shutdownNow();
        if (store != null) {
            try {
                store.close();
            } catch (IOException e) {
                LOG.warnf("Closing the audit store failed [cause: %s]", e.getMessage());
            }
        }
    }

    /**
     * Records an event: one JSON line to stdout and to the durable store. Never throws; a store that cannot be written
     * is reported by {@link #problem()} (and makes the server unready and refuse calls).
     */
    public void record(AuditEvent event) {
        if ("egress".equals(event.type())) {
            metrics.egress("allowed".equals(event.outcome()));
        } else if ("access".equals(event.type()) && event.details().get("status") instanceof Integer status) {
            metrics.refused(status);
        }
        if (!config.enabled()) {
            return;
        }
        String line;
        try {
            line = json.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            LOG.errorf(e, "An audit event cannot be written as JSON [type: %s]", event.type());
            return;
        }
        if (config.stdout()) {
            STDOUT.info(line);
        }
        AuditStore target = store;
        if (target == null) {
            return;
        }
        try {
            target.append(line);
            if (problem != null) {
                LOG.infof("The audit store is written again");
                problem = null;
            }
        } catch (IOException e) {
            if (problem == null) {
                LOG.errorf("The audit store cannot be written; calls are refused until it can [cause: %s]",
                        e.getMessage());
            }
            problem = "the audit store cannot be written: " + e.getMessage();
        }
    }

    /**
     * @return why events cannot be recorded now, or {@code null} when they can
     */
    public String problem() {
        return problem;
    }

    /** What a query asks for; {@code null} fields do not filter. */
    public record Query(String principal, String conversation, String tool, String outcome, String type, Instant from,
            Instant to) {
    }

    /**
     * @return the events matching the query, newest first, at most {@code limit}
     */
    public List<AuditEvent> newest(Query query, int limit) throws IOException {
        AuditStore target = store;
        if (target == null) {
            return List.of();
        }
        List<AuditEvent> events = new ArrayList<>();
        for (String line : target.newest(prefilter(query), query.from(), query.to(), Integer.MAX_VALUE)) {
            AuditEvent event = parse(line);
            if (event != null && matches(event, query)) {
                events.add(event);
                if (events.size() == limit) {
                    break;
                }
            }
        }
        return events;
    }

    /**
     * Passes the raw JSON lines of the events matching the query to the consumer, oldest first.
     */
    public void export(Query query, Consumer<String> lines) throws IOException {
        AuditStore target = store;
        if (target == null) {
            return;
        }
        Predicate<String> prefilter = prefilter(query);
        target.oldestFirst(query.from(), query.to(), line -> {
            if (prefilter.test(line)) {
                AuditEvent event = parse(line);
                if (event != null && matches(event, query)) {
                    lines.accept(line);
                }
            }
        });
    }

    /** A fast test on the raw line: each exact field value the query asks for must appear as written. */
    private Predicate<String> prefilter(Query query) {
        List<String> needles = new ArrayList<>();
        try {
            if (query.principal() != null) {
                needles.add("\"principal\":" + json.writeValueAsString(query.principal()));
            }
            if (query.tool() != null) {
                needles.add("\"tool\":" + json.writeValueAsString(query.tool()));
            }
            if (query.outcome() != null) {
                needles.add("\"outcome\":" + json.writeValueAsString(query.outcome()));
            }
            if (query.type() != null) {
                needles.add("\"type\":" + json.writeValueAsString(query.type()));
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return line -> needles.stream().allMatch(line::contains);
    }

    private static boolean matches(AuditEvent event, Query query) {
        return (query.principal() == null || query.principal().equals(event.principal()))
                && (query.conversation() == null || query.conversation().equals(event.conversation())
                        || query.conversation().equals(event.conversationKey()))
                && (query.tool() == null || query.tool().equals(event.tool()))
                && (query.outcome() == null || query.outcome().equals(event.outcome()))
                && (query.type() == null || query.type().equals(event.type()))
                && (query.from() == null || !event.time().isBefore(query.from()))
                && (query.to() == null || event.time().isBefore(query.to()));
    }

    private AuditEvent parse(String line) {
        try {
            return json.readValue(line, AuditEvent.class);
        } catch (IOException e) {
            return null;
        }
    }

    private void sync() {
        try {
            AuditStore target = store;
            if (target != null) {
                target.sync();
            }
        } catch (IOException e) {
            LOG.warnf("Forcing the audit store to disk failed [cause: %s]", e.getMessage());
        }
    }

    private void prune() {
        try {
            AuditStore target = store;
            if (target != null) {
                target.prune();
            }
        } catch (IOException e) {
            LOG.warnf("Pruning the audit store failed [cause: %s]", e.getMessage());
        }
    }
}
