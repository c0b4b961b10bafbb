package dev.agentbox.egress;

/**
 * Decides which egress profiles a principal may choose for its conversations. One small seam, so that an
 * authentication layer can replace the configured lists with its own (roles, claims) by providing another bean.
 */
public interface ProfileGrants {

    /**
     * @param principal who is calling
     * @param profile a configured profile other than the default, which everyone may use
     * @return whether the principal may give its conversations that profile
     */
    boolean mayUse(String principal, String profile);
}
