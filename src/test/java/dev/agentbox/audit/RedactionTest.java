package dev.agentbox.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Secrets in the common forms never reach the audit log, the words around them do, and no input (however long or
 * odd) makes redaction slow enough to stall the thread that answers the call.
 */
class RedactionTest {

    @Test
    void secretsInCommonFormsAreHidden() {
        String command = "curl -H 'Authorization: Bearer abc.def.ghi' -u bob:pw https://user:hunter2@example.test/x"
                + " && export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG && mysql --password s3cr3t"
                + " && echo AKIAIOSFODNN7EXAMPLE ghp_0123456789abcdefghijklmnopqrstuvwxyz sk-ant-0123456789abcdefghijkl"
                + " eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl api_key=\"quoted value\" DB_PASSWORD='x y'";

        String redacted = Redaction.redact(command);

        assertThat(redacted).contains("curl", "export", "mysql", "echo", "example.test").doesNotContain("abc.def.ghi",
                "hunter2", "wJalrXUtnFEMI", "s3cr3t", "AKIAIOSFODNN7EXAMPLE", "ghp_0123", "sk-ant-0123", "eyJhbGci",
                "quoted value", "'x y'");
    }

    @Test
    void privateKeysAreHiddenWholeAndFileContentsNeverKept() {
        String key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n-----END OPENSSH PRIVATE KEY-----";
        assertThat(Redaction.redact("cat > id <<EOF\n" + key + "\nEOF")).doesNotContain("b3BlbnNzaC1rZXktdjE");

        Map<String, Object> summary = ArgumentSummary.of(Map.of("path", "a.txt", "content", "password=abc"), 2000);
        assertThat(summary.get("content").toString()).startsWith("(12 bytes, sha256 ").doesNotContain("abc");
    }

    @Test
    void longAndHostileInputIsCutAndRedactedQuickly() {
        String hostile = "x".repeat(1_000_000) + " token=" + "y".repeat(100_000);

        String summary = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> Redaction.redactCut(hostile, 2000));

        assertThat(summary).hasSizeLessThan(2100).endsWith("(1100007 characters)");
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> Redaction.redact("a".repeat(4000) + "=" + "b".repeat(
                4000)));
    }
}
