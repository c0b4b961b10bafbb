package dev.agentbox.sandbox.kubernetes;

import java.net.ConnectException;
import java.util.concurrent.CompletionException;

/**
 * An exec into a sandbox pod failed: the API server could not be reached, refused the exec, or the stream broke.
 */
final class PodCallException extends RuntimeException {

    private final boolean podGone;

    PodCallException(String message, boolean podGone, Throwable cause) {
        super(message, cause);
        this.podGone = podGone;
    }

    /**
     * @return whether the API server said the pod does not exist
     */
    boolean podGone() {
        return podGone;
    }

    static PodCallException of(String pod, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
                : failure;
        if (cause instanceof PodCallException p) {
            return p;
        }
        boolean gone = cause instanceof ExecChannel.ExecRefusedException r && r.code() == 404;
        return new PodCallException(describe(cause), gone, cause);
    }

    /** A failure in plain words, without stack traces or class names where a message says it better. */
    static String describe(Throwable failure) {
        if (failure instanceof ConnectException) {
            return "the Kubernetes API server refused the connection";
        }
        String message = failure.getMessage();
        return message == null || message.isBlank() ? failure.getClass().getSimpleName() : message;
    }
}
