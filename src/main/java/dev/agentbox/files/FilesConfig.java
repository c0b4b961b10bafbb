package dev.agentbox.files;

import java.time.Duration;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The file tools: how much they read, write, list and search per call.
 */
@ConfigMapping(prefix = "agentbox.files")
public interface FilesConfig {

    /**
     * The largest file {@code read_file} and {@code edit_file} accept ({@code INPUT_TOO_LARGE} past it; use bash
     * with head, sed or grep for bigger files).
     */
    @WithDefault("10M")
    MemorySize maxReadSize();

    /**
     * How many lines {@code read_file} returns when the call gives no limit.
     */
    @WithDefault("2000")
    int defaultReadLines();

    /**
     * Lines longer than this many characters are cut in {@code read_file} and {@code search_files} results.
     */
    @WithDefault("2000")
    int maxLineChars();

    /**
     * The most characters one {@code read_file} result carries; past it the result ends early and says which offset
     * continues.
     */
    @WithDefault("100000")
    int maxReadChars();

    /**
     * The largest content {@code write_file} accepts, in bytes of UTF-8.
     */
    @WithDefault("10M")
    MemorySize maxWriteSize();

    /**
     * How many entries {@code list_files} returns at most.
     */
    @WithDefault("1000")
    int maxListEntries();

    /**
     * How many directory entries {@code list_files} examines at most before it stops looking.
     */
    @WithDefault("50000")
    int listScanLimit();

    /**
     * How many matching lines {@code search_files} returns at most.
     */
    @WithDefault("500")
    int maxSearchResults();

    /**
     * How long one file operation may take; listing and searching stop there with what they found.
     */
    @WithDefault("20S")
    Duration operationTimeout();
}
