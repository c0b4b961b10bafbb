package dev.agentbox.bench;

import java.util.Arrays;

/**
 * Latency samples of one measurement, in milliseconds, with the figures a report gives: percentiles, extremes and
 * spread.
 */
final class Samples {

    private final double[] millis;

    Samples(double[] millis) {
        this.millis = millis.clone();
        Arrays.sort(this.millis);
    }

    int count() {
        return millis.length;
    }

    double[] values() {
        return millis.clone();
    }

    double percentile(double p) {
        if (millis.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(p / 100.0 * millis.length) - 1;
        return millis[Math.max(0, Math.min(millis.length - 1, index))];
    }

    double min() {
        return millis.length == 0 ? Double.NaN : millis[0];
    }

    double max() {
        return millis.length == 0 ? Double.NaN : millis[millis.length - 1];
    }

    /** @return the interquartile range, a spread that noise on a shared machine does not blow up */
    double iqr() {
        return percentile(75) - percentile(25);
    }

    static double since(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }
}
