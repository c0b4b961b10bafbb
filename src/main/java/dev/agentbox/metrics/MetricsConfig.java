package dev.agentbox.metrics;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Metrics served at {@code /q/metrics} (Prometheus format).
 */
@ConfigMapping(prefix = "agentbox.metrics")
public interface MetricsConfig {

    /**
     * How many distinct principals get a {@code principal} label of their own on the call counter; later ones are
     * counted as {@code other}, so that many principals cannot blow up the number of series. {@code 0} leaves the
     * label out.
     */
    @WithDefault("100")
    int maxPrincipals();
}
