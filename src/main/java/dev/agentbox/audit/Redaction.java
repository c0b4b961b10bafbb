package dev.agentbox.audit;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hides secrets in text that goes into the audit log: credentials in headers, URLs, assignments and command-line
 * options, and tokens whose shape gives them away (cloud keys, JWTs, private keys). What is hidden becomes
 * {@value #MARK}; the words around it stay, so an auditor still sees what was done.
 */
final class Redaction {

    static final String MARK = "[REDACTED]";

    /** Patterns whose group 1 (or the whole match, without groups) is the secret. */
    private static final List<Pattern> SECRETS = List.of(
            // -----BEGIN ... PRIVATE KEY----- blocks, also cut off ones
            Pattern.compile("(-----BEGIN [A-Z ]*PRIVATE KEY-----[\\s\\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$))"),
            // Authorization: Bearer xyz / Basic xyz, also inside curl -H '...'
            Pattern.compile("(?i)\\b(?:authorization|proxy-authorization)\\s*[:=]\\s*(?:bearer|basic|token|digest)?\\s*"
                    + "([^\\s'\"]+)"),
            Pattern.compile("(?i)\\b(?:bearer)\\s+([A-Za-z0-9._~+/=-]{8,})"),
            // scheme://user:password@host
            Pattern.compile("(?i)\\b[a-z][a-z0-9+.-]*://[^/\\s:@'\"]+:([^@\\s'\"/]+)@"),
            // password=..., api_key: ..., SECRET_TOKEN="...", --password ..., -p... for mysql-like tools is left alone
            // (bounded repetitions: a long run of word characters must not make matching quadratic)
            Pattern.compile("(?i)([A-Za-z0-9_.-]{0,40}(?:passw(?:or)?d|passwd|secret|token|api[_-]?key|apikey"
                    + "|access[_-]?key|private[_-]?key|credentials?|auth)[A-Za-z0-9_.-]{0,40})\\s{0,8}[:=]\\s{0,8}"
                    + "(\"[^\"]{0,4096}\"|'[^']{0,4096}'|[^\\s&;,'\"]{1,4096})"),
            Pattern.compile("(?i)--?(?:passw(?:or)?d|secret|token|api[_-]?key|access[_-]?key)(?:\\s+|=)(\"[^\"]*\"|'[^']*'|"
                    + "[^\\s'\"]+)"),
            // Recognisable token shapes
            Pattern.compile("\\b(AKIA[0-9A-Z]{16})\\b"),
            Pattern.compile("\\b(AIza[0-9A-Za-z_-]{35})\\b"),
            Pattern.compile("\\b(gh[pousr]_[A-Za-z0-9]{30,})\\b"),
            Pattern.compile("\\b(github_pat_[A-Za-z0-9_]{30,})\\b"),
            Pattern.compile("\\b(glpat-[A-Za-z0-9_-]{20,})\\b"),
            Pattern.compile("\\b(xox[abposr]-[A-Za-z0-9-]{10,})\\b"),
            Pattern.compile("\\b(sk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,})\\b"),
            Pattern.compile("\\b(abk_[A-Za-z0-9_-]{16,})\\b"),
            Pattern.compile("\\b(eyJ[A-Za-z0-9_-]{5,}\\.eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]+)"));

    private Redaction() {
    }

    /**
     * Cuts the text to a bound, then hides its secrets. A cut in the middle of a word drops that word, so that the
     * visible half of a long token is not left behind.
     *
     * @return the text, at most about {@code max} characters, with every secret found replaced by {@value #MARK}
     */
    static String redactCut(String text, int max) {
        if (text.length() <= max) {
            return redact(text);
        }
        int end = max;
        while (end > 0 && !Character.isWhitespace(text.charAt(end))) {
            end--;
        }
        return redact(text.substring(0, end)) + "... (" + text.length() + " characters)";
    }

    /**
     * @return the text with every secret found replaced by {@value #MARK}
     */
    static String redact(String text) {
        String out = text;
        for (Pattern pattern : SECRETS) {
            Matcher matcher = pattern.matcher(out);
            if (!matcher.find()) {
                continue;
            }
            StringBuilder redacted = new StringBuilder(out.length());
            int last = 0;
            do {
                int group = matcher.groupCount();
                int start = matcher.start(group);
                int end = matcher.end(group);
                if (start < 0) {
                    continue;
                }
                redacted.append(out, last, start).append(MARK);
                last = end;
            } while (matcher.find());
            out = redacted.append(out, last, out.length()).toString();
        }
        return out;
    }
}
