package dev.agentbox.sandbox.kubernetes.harness;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.CustomResourceAware;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.Resetable;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

/**
 * The mock API server's front door. Exec upgrades go to a real process in the pod's container ({@link ExecSession});
 * pod creations pass an admission step (the RuntimeClass must exist; the pod must meet the restricted profile, as a
 * namespace labelled {@code pod-security.kubernetes.io/enforce: restricted} demands); injected faults apply; everything
 * else goes to fabric8's CRUD dispatcher. Requests from the server under test (not the harness's own kubelet client)
 * are recorded, so that tests can compare what the server calls with what its Role grants.
 */
final class HarnessDispatcher extends Dispatcher implements Resetable, CustomResourceAware {

    static final String KUBELET_AGENT = "kubelet-harness";
    private static final Pattern EXEC = Pattern.compile("^/api/v1/namespaces/([^/]+)/pods/([^/?]+)/exec(\\?.*)?$");
    private static final Pattern POD_CREATE = Pattern.compile("^/api/v1/namespaces/([^/]+)/pods/?(\\?.*)?$");

    private final KubernetesMixedDispatcher delegate;
    private final KubeletHarness harness;
    private final ExecutorService executor;
    private final Queue<String> requests = new ConcurrentLinkedQueue<>();

    HarnessDispatcher(Map<ServerRequest, Queue<ServerResponse>> responses, KubeletHarness harness,
            ExecutorService executor) {
        this.delegate = new KubernetesMixedDispatcher(responses);
        this.harness = harness;
        this.executor = executor;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        boolean fromServer = !KUBELET_AGENT.equals(request.getHeader("User-Agent"));
        if (fromServer) {
            requests.add(request.getMethod() + " " + request.getPath());
            Faults faults = harness.faults();
            if (faults.apiDown()) {
                return status(503, "ServiceUnavailable", "the harness's API server is down");
            }
            if (faults.apiDelayMillis() > 0) {
                MockResponse slow = route(request);
                return slow.setBodyDelay(faults.apiDelayMillis(), TimeUnit.MILLISECONDS);
            }
        }
        return route(request);
    }

    private MockResponse route(RecordedRequest request) {
        Matcher exec = EXEC.matcher(request.getPath());
        if (exec.matches() && "GET".equals(request.getMethod())) {
            return exec(exec.group(1), exec.group(2), exec.group(3));
        }
        Matcher create = POD_CREATE.matcher(request.getPath());
        if (create.matches() && "POST".equals(request.getMethod())) {
            MockResponse refused = admit(create.group(1), request);
            if (refused != null) {
                return refused;
            }
        }
        return delegate.dispatch(request);
    }

    private MockResponse exec(String namespace, String podName, String query) {
        Pod pod = harness.kubelet().pod(namespace, podName);
        if (pod == null) {
            return status(404, "NotFound", "pods \"" + podName + "\" not found");
        }
        Containers.Running container = harness.containers().get(pod.getMetadata().getUid());
        if (container == null) {
            return status(400, "BadRequest", "container sandbox is not running in pod " + podName);
        }
        Map<String, List<String>> params = parse(query);
        List<String> argv = params.getOrDefault("command", List.of());
        long drop = harness.faults().takeExecDrop(podName, argv);
        return new MockResponse().withWebSocketUpgrade(new ExecSession(harness.containers(), container, argv,
                List.of("true").equals(params.get("stdin")), executor, drop, harness.faults().takeInputCut(podName)));
    }

    /** What the API server's admission would refuse. */
    private MockResponse admit(String namespace, RecordedRequest request) {
        Pod pod = Serialization.unmarshal(new String(request.getBody().getBytes(), StandardCharsets.UTF_8), Pod.class);
        Faults faults = harness.faults();
        String quota = faults.takeQuotaRefusal();
        if (quota != null) {
            return status(403, "Forbidden", "pods \"" + pod.getMetadata().getName() + "\" is forbidden: " + quota);
        }
        String runtimeClass = pod.getSpec() == null ? null : pod.getSpec().getRuntimeClassName();
        if (runtimeClass != null && !harness.runtimeClasses().contains(runtimeClass)) {
            return status(403, "Forbidden", "pods \"" + pod.getMetadata().getName() + "\" is forbidden: pod rejected: "
                    + "RuntimeClass \"" + runtimeClass + "\" not found");
        }
        List<String> violations = RestrictedProfile.violations(pod.getSpec());
        if (!violations.isEmpty()) {
            return status(403, "Forbidden", "pods \"" + pod.getMetadata().getName() + "\" is forbidden: violates "
                    + "PodSecurity \"restricted:latest\": " + String.join(", ", violations));
        }
        if (faults.takeConflictOnCreate()) {
            // Another replica got there first: the same pod is stored now, so this creation meets a real 409.
            delegate.dispatch(new RecordedRequest("HTTP/1.1", HttpMethod.POST, request.getPath(), request.getHeaders(),
                    new Buffer(request.getBody().getBytes())));
        }
        return null;
    }

    private static Map<String, List<String>> parse(String query) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        if (query == null || query.length() < 2) {
            return params;
        }
        for (String pair : query.substring(1).split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
        }
        return params;
    }

    static MockResponse status(int code, String reason, String message) {
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json")
                .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                        + "\"message\":\"" + message.replace("\"", "\\\"") + "\",\"reason\":\"" + reason
                        + "\",\"code\":" + code + "}");
    }

    /**
     * @return the requests of the server under test so far, as {@code METHOD path?query}
     */
    List<String> requests() {
        return List.copyOf(requests);
    }

    void clearRequests() {
        requests.clear();
    }

    @Override
    public void reset() {
        delegate.reset();
    }

    @Override
    public void expectCustomResource(CustomResourceDefinitionContext rdc) {
        delegate.expectCustomResource(rdc);
    }
}
