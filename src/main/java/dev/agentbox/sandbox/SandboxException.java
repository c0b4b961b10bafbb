package dev.agentbox.sandbox;

/**
 * A backend could not provide or keep a sandbox.
 */
public class SandboxException extends RuntimeException {

    private final boolean lost;

    private SandboxException(String message, Throwable cause, boolean lost) {
        super(message, cause);
        this.lost = lost;
    }

    /**
     * @param message what failed, in the user's terms
     * @param cause the underlying failure, or {@code null}
     * @return a failure to create or reach a sandbox
     */
    public static SandboxException unavailable(String message, Throwable cause) {
        return new SandboxException(message, cause, false);
    }

    /**
     * @param message what happened to the sandbox
     * @return a failure of a sandbox that existed and died
     */
    public static SandboxException lost(String message) {
        return new SandboxException(message, null, true);
    }

    /**
     * @return whether the sandbox existed and died, as opposed to never being available
     */
    public boolean isLost() {
        return lost;
    }
}
