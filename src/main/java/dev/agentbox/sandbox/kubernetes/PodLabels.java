package dev.agentbox.sandbox.kubernetes;

import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

import dev.agentbox.conversation.ConversationKey;

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
    /** The egress profile whose NetworkPolicy selects the pod. */
    static final String EGRESS_PROFILE = DOMAIN + "egress-profile";
    static final String DEFAULT_EGRESS_PROFILE = "default";
    static final String COMPONENT = "app.kubernetes.io/component";
    static final String SANDBOX = "sandbox";
    static final String MANAGED_BY = "app.kubernetes.io/managed-by";

    static final String PRINCIPAL = DOMAIN + "principal";
    static final String KEY = DOMAIN + "conversation-key";
    /** When a server last used the sandbox (ISO-8601), and which replica did ({@link #ACTIVE_BY}). */
    static final String LAST_ACTIVE = DOMAIN + "last-active";
    static final String ACTIVE_BY = DOMAIN + "active-by";

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
     * @return the labels of a conversation's pod or claim
     */
    static Map<String, String> conversation(String installation, ConversationKey conversation) {
        Map<String, String> labels = base(installation);
        labels.put(CONVERSATION, conversation.id());
        labels.put(EGRESS_PROFILE, DEFAULT_EGRESS_PROFILE);
        return labels;
    }

    /**
     * @return the labels of a warm-pool pod or claim
     */
    static Map<String, String> warm(String installation) {
        Map<String, String> labels = base(installation);
        labels.put(POOL, WARM);
        labels.put(EGRESS_PROFILE, DEFAULT_EGRESS_PROFILE);
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
     * @return whether a string may be a label value (at most 63 characters of the allowed alphabet)
     */
    static boolean isLabelValue(String value) {
        return value != null && value.length() <= 63 && LABEL_VALUE.matcher(value).matches();
    }
}
