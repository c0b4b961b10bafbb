package dev.agentbox.sandbox.kubernetes;

import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.agentbox.conversation.ConversationKey;
import dev.agentbox.egress.EgressPolicy;
import io.fabric8.kubernetes.api.model.Pod;

/**
 * Names, labels and annotations of the objects the Kubernetes backend makes. Names and label values come from the
 * conversation's id (a hash of principal and key, see {@link ConversationKey#id()}), never from the raw key, so they
 * always fit Kubernetes' 63-character limits and reveal nothing. The raw principal and key are kept in annotations,
 * from which any replica rebuilds its view after a restart.
 */
final class PodLabels {

    static final String DOMAIN = "agentbox.dev/";
    /** Every object of one server (all its replicas), so that several servers can share a namespace. */
    static final String INSTALLATION = DOMAIN + "installation";
    /** The conversation id of a pod or claim; absent on warm-pool objects not yet claimed. */
    static final String CONVERSATION = DOMAIN + "conversation";
    /** {@code warm} on pods and claims of the warm pool until a conversation claims them. */
    static final String POOL = DOMAIN + "pool";
    static final String WARM = "warm";
    /** The egress profile whose NetworkPolicy selects the pod ({@code none} on warm-pool pods: the floor only). */
    /** The label of a restore's pod: the conversation whose workspace it restores (not a sandbox of it). */
    static final String RESTORE_OF = DOMAIN + "restore-of";
    static final String EGRESS_PROFILE = DOMAIN + "egress-profile";
    /** The egress rules a pod was made with ({@link EgressPolicy.Rules} as JSON), read back after a restart. */
    static final String EGRESS_RULES = DOMAIN + "egress-rules";
    static final String COMPONENT = "app.kubernetes.io/component";
    static final String SANDBOX = "sandbox";
    static final String MANAGED_BY = "app.kubernetes.io/managed-by";

    static final String PRINCIPAL = DOMAIN + "principal";
    static final String KEY = DOMAIN + "conversation-key";
    /** When a server last used the sandbox (ISO-8601), and which replica did ({@link #ACTIVE_BY}). */
    static final String LAST_ACTIVE = DOMAIN + "last-active";
    static final String ACTIVE_BY = DOMAIN + "active-by";
    /**
     * On a claim: a mark (a fresh random value) asking the next pod on it to clear the conversation's exec records and
     * shell state before its sandbox starts; left when the conversation is deleted without its workspace.
     */
    static final String RECORDS_RESET = DOMAIN + "records-reset";

    private static final Pattern LABEL_VALUE = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] NAME_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private PodLabels() {
    }

    /**
     * @return the pod name a conversation's sandbox gets when it is created for it: {@code agentbox-} and the id
     */
    static String podName(String conversationId) {
        return "agentbox-" + conversationId;
    }

    /**
     * @return the name of a conversation's workspace claim when it is created for it
     */
    static String claimName(String conversationId) {
        return "agentbox-" + conversationId;
    }

    /**
     * @return a fresh name for a warm-pool pod and its claim
     */
    static String warmName() {
        char[] suffix = new char[10];
        for (int i = 0; i < suffix.length; i++) {
            suffix[i] = NAME_CHARS[RANDOM.nextInt(NAME_CHARS.length)];
        }
        return "agentbox-warm-" + new String(suffix);
    }

    /**
     * @return the labels every sandbox object of this installation carries
     */
    static Map<String, String> base(String installation) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(MANAGED_BY, "agentbox");
        labels.put(COMPONENT, SANDBOX);
        labels.put(INSTALLATION, installation);
        return labels;
    }

    /**
     * @return the labels of a conversation's workspace claim
     */
    static Map<String, String> conversation(String installation, ConversationKey conversation) {
        Map<String, String> labels = base(installation);
        labels.put(CONVERSATION, conversation.id());
        return labels;
    }

    /**
     * @return the labels of a conversation's pod: the claim's, and the egress profile that selects its NetworkPolicy
     */
    static Map<String, String> pod(String installation, ConversationKey conversation, EgressPolicy egress) {
        Map<String, String> labels = conversation(installation, conversation);
        labels.put(EGRESS_PROFILE, egress.profile());
        return labels;
    }

    /**
     * @return the labels of a warm-pool pod or claim
     */
    static Map<String, String> warm(String installation) {
        Map<String, String> labels = base(installation);
        labels.put(POOL, WARM);
        return labels;
    }

    /**
     * @return the annotations that let a replica rebuild the conversation's key
     */
    static Map<String, String> annotations(ConversationKey conversation) {
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(PRINCIPAL, conversation.principal());
        annotations.put(KEY, conversation.key());
        return annotations;
    }

    /**
     * @return the annotations of a conversation's pod: the key's, and the egress rules the pod was made with
     */
    static Map<String, String> podAnnotations(ConversationKey conversation, EgressPolicy egress, ObjectMapper json) {
        Map<String, String> annotations = annotations(conversation);
        try {
            annotations.put(EGRESS_RULES, json.writeValueAsString(egress.rules()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return annotations;
    }

    /**
     * @return the egress rules a pod was made with; {@link EgressPolicy#NONE} for a pod without them (a warm-pool pod,
     *         or one whose annotation does not parse, which the floor NetworkPolicy keeps without network)
     */
    static EgressPolicy egress(Pod pod, ObjectMapper json) {
        String rules = pod.getMetadata().getAnnotations() == null ? null
                : pod.getMetadata().getAnnotations().get(EGRESS_RULES);
        if (rules == null) {
            return EgressPolicy.NONE;
        }
        try {
            return json.readValue(rules, EgressPolicy.Rules.class).toPolicy();
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return EgressPolicy.NONE;
        }
    }

    /**
     * @return whether a string may be a label value (at most 63 characters of the allowed alphabet)
     */
    static boolean isLabelValue(String value) {
        return value != null && value.length() <= 63 && LABEL_VALUE.matcher(value).matches();
    }
}
