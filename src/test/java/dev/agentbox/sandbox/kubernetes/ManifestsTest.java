package dev.agentbox.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.agentbox.conversation.ConversationKey;
import dev.agentbox.docs.ConfigDocumentationTest;
import dev.agentbox.egress.EgressPolicy;
import dev.agentbox.sandbox.kubernetes.harness.RestrictedProfile;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * The manifests in {@code k8s/} and the Containerfiles in {@code container/}, checked without a cluster: every file
 * parses into the Kubernetes model with no unknown field, kustomizations point at files that exist, the server and the
 * sandbox pods meet the restricted Pod Security Standard, the sandbox NetworkPolicy denies everything but DNS and the
 * egress path, and the images match what the backend expects of them.
 */
class ManifestsTest {

    private static final Path K8S = Path.of("k8s");
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void everyManifestParsesIntoTheKubernetesModelWithoutUnknownFields() throws IOException {
        List<Path> manifests = files().stream().filter(f -> !f.getFileName().toString().equals("kustomization.yaml"))
                .toList();
        assertThat(manifests).hasSizeGreaterThanOrEqualTo(10);

        for (Path manifest : manifests) {
            HasMetadata object = parse(manifest);
            assertThat(object.getMetadata().getName()).as(manifest.toString()).isNotBlank();
            assertThat(unknownFields(object, object.getKind())).as("unknown fields in " + manifest).isEmpty();
        }
    }

    @Test
    void everyKustomizationNamesFilesThatExist() throws IOException {
        for (Path kustomization : files().stream().filter(f -> f.getFileName().toString().equals("kustomization.yaml"))
                .toList()) {
            Map<?, ?> content = YAML.readValue(kustomization.toFile(), Map.class);
            List<String> referenced = new ArrayList<>();
            referenced.addAll(strings(content.get("resources")));
            if (content.get("patches") instanceof List<?> patches) {
                patches.forEach(p -> referenced.add(String.valueOf(((Map<?, ?>) p).get("path"))));
            }
            assertThat(referenced).as(kustomization.toString()).isNotEmpty();
            for (String reference : referenced) {
                assertThat(kustomization.resolveSibling(reference)).as(kustomization + " -> " + reference).exists();
            }
        }
    }

    @Test
    void theServerDeploymentMeetsTheRestrictedProfileAndSetsOnlyRealOptions() throws IOException {
        Deployment deployment = (Deployment) parse(K8S.resolve("base/deployment.yaml"));
        List<String> documented = ConfigDocumentationTest.options().stream().map(o -> env(o.key())).toList();

        assertThat(RestrictedProfile.violations(deployment.getSpec().getTemplate().getSpec())).isEmpty();
        for (Path file : List.of(K8S.resolve("base/deployment.yaml"), K8S.resolve("overlays/gke/deployment-gke.yaml"))) {
            Deployment d = (Deployment) parse(file);
            for (Container container : d.getSpec().getTemplate().getSpec().getContainers()) {
                List<String> agentbox = container.getEnv().stream().map(EnvVar::getName)
                        .filter(n -> n.startsWith("AGENTBOX_")).toList();
                assertThat(documented).as("options set in " + file).containsAll(agentbox);
            }
        }
    }

    @Test
    void theSandboxPodMeetsTheRestrictedProfileAndRunsUnderGvisorWithBoundedResources() {
        KubernetesConfig config = TestReplicas.kubernetesConfig(Map.of());
        ConversationKey conversation = new ConversationKey("someone@example.com", "a/b c:" + "x".repeat(120));
        Pod pod = new PodTemplates(config).pod(PodLabels.podName(conversation.id()), PodLabels.claimName(
                conversation.id()), PodLabels.pod(config.installation(), conversation, EgressPolicy.NONE),
                PodLabels.podAnnotations(conversation, EgressPolicy.NONE, TestReplicas.json()),
                TestReplicas.sandboxConfig(Map.of()).toLimits());

        assertThat(RestrictedProfile.violations(pod.getSpec())).isEmpty();
        assertThat(pod.getSpec().getRuntimeClassName()).isEqualTo("gvisor");
        assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getSpec().getVolumes()).allSatisfy(v -> assertThat(v.getHostPath()).isNull());
        List<Container> containers = new ArrayList<>(pod.getSpec().getContainers());
        containers.addAll(pod.getSpec().getInitContainers());
        for (Container container : containers) {
            assertThat(container.getResources().getLimits()).as(container.getName())
                    .containsKeys("cpu", "memory", "ephemeral-storage");
            assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        }
        assertThat(pod.getMetadata().getName()).hasSizeLessThanOrEqualTo(63).doesNotContain("someone");
        assertThat(pod.getMetadata().getLabels().values()).allSatisfy(v -> assertThat(PodLabels.isLabelValue(v))
                .as(v).isTrue()).noneMatch(v -> v.contains("someone") || v.contains("xxx"));
        assertThat(pod.getMetadata().getAnnotations()).containsEntry(PodLabels.KEY, conversation.key());
    }

    @Test
    void theSandboxNetworkPolicyDeniesEverythingButDns() throws IOException {
        NetworkPolicy policy = (NetworkPolicy) parse(K8S.resolve("base/networkpolicy-sandbox.yaml"));
        Pod pod = new PodTemplates(TestReplicas.kubernetesConfig(Map.of())).pod("p", "c", PodLabels.pod("agentbox",
                new ConversationKey("a", "b"), EgressPolicy.NONE), Map.of(),
                TestReplicas.sandboxConfig(Map.of())
                        .toLimits());

        assertThat(pod.getMetadata().getLabels()).containsAllEntriesOf(policy.getSpec().getPodSelector()
                .getMatchLabels());
        assertThat(policy.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
        assertThat(policy.getSpec().getIngress()).isEmpty();
        assertThat(policy.getSpec().getEgress()).singleElement().satisfies(rule -> assertThat(rule.getPorts())
                .allSatisfy(p -> assertThat(p.getPort().getIntVal()).isEqualTo(53)));
    }

    @Test
    void theSandboxImageHasWhatTheBackendExpects() throws IOException {
        String containerfile = Files.readString(Path.of("container/sandbox.Containerfile"));
        KubernetesConfig config = TestReplicas.kubernetesConfig(Map.of());

        assertThat(containerfile).contains("bash", "coreutils", "git", "python3", "curl", "tini")
                .contains("COPY --from=helper /agentbox-exec " + config.execHelper())
                .contains("-static -o /agentbox-exec /src/agentbox-exec.c")
                .contains("USER " + config.runAsUser())
                .contains("useradd --uid " + config.runAsUser())
                .contains("ENTRYPOINT [\"/usr/bin/tini\", \"--\"]");
        assertThat(Files.readString(Path.of("container/server.Containerfile"))).contains("USER 10001")
                .contains("quarkus-run.jar");
    }

    private static HasMetadata parse(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            Object parsed = SERIALIZATION.unmarshal(in);
            assertThat(parsed).as(file.toString()).isInstanceOf(HasMetadata.class);
            return (HasMetadata) parsed;
        }
    }

    /** Fields the model does not know end up in additionalProperties; a typo'd field name shows up here. */
    private static List<String> unknownFields(Object object, String path) {
        List<String> unknown = new ArrayList<>();
        if (object == null) {
            return unknown;
        }
        if (object instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                unknown.addAll(unknownFields(item, path + "[" + i++ + "]"));
            }
            return unknown;
        }
        if (object instanceof Map<?, ?> map) {
            map.forEach((k, v) -> unknown.addAll(unknownFields(v, path + "." + k)));
            return unknown;
        }
        if (!(object instanceof KubernetesResource)) {
            return unknown;
        }
        for (Method method : object.getClass().getMethods()) {
            if (method.getParameterCount() != 0 || !method.getName().startsWith("get")
                    || method.getDeclaringClass() == Object.class) {
                continue;
            }
            try {
                Object value = method.invoke(object);
                if (method.getName().equals("getAdditionalProperties")) {
                    ((Map<?, ?>) value).keySet().forEach(k -> unknown.add(path + "." + k));
                } else {
                    unknown.addAll(unknownFields(value, path + "." + method.getName().substring(3)));
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return unknown;
    }

    private static List<Path> files() throws IOException {
        try (Stream<Path> paths = Files.walk(K8S)) {
            return paths.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    private static List<String> strings(Object list) {
        return list instanceof List<?> items ? items.stream().map(String::valueOf).toList() : List.of();
    }

    /** The environment variable name of a configuration key. */
    private static String env(String key) {
        return key.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }
}
