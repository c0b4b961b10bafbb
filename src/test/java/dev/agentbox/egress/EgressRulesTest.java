package dev.agentbox.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/**
 * The policy model on its own: how entries parse, what they match, and how bad entries are refused with a message
 * naming them.
 */
class EgressRulesTest {

    record Profile(Optional<List<String>> domains, Optional<List<String>> cidrs) implements EgressConfig.ProfileConfig {
        static Profile of(List<String> domains, List<String> cidrs) {
            return new Profile(Optional.ofNullable(domains), Optional.ofNullable(cidrs));
        }
    }

    @Test
    void domainsMatchExactlyOrBelowAWildcardOnTheirPorts() {
        EgressPolicy policy = EgressPolicy.of("p", List.of("API.example.com:8080", "*.pkg.test", "any.test:*",
                "range.test:8000-8002"), List.of());

        assertThat(policy.rules().domains()).containsExactly("api.example.com:8080", "*.pkg.test:80",
                "*.pkg.test:443", "any.test:*", "range.test:8000-8002");
        assertThat(policy.allowsName("api.example.com", 8080)).isTrue();
        assertThat(policy.allowsName("API.Example.com.", 8080)).isTrue();
        assertThat(policy.allowsName("api.example.com", 443)).isFalse();
        assertThat(policy.allowsName("x.api.example.com", 8080)).isFalse();
        assertThat(policy.allowsName("files.pkg.test", 443)).isTrue();
        assertThat(policy.allowsName("a.b.pkg.test", 80)).isTrue();
        assertThat(policy.allowsName("pkg.test", 443)).isFalse();
        assertThat(policy.allowsName("evilpkg.test", 443)).isFalse();
        assertThat(policy.allowsName("any.test", 22)).isTrue();
        assertThat(policy.allowsName("range.test", 8002)).isTrue();
        assertThat(policy.allowsName("range.test", 8003)).isFalse();
    }

    @Test
    void addressRulesMatchTheirRangeAndPortsInEitherFamily() {
        EgressPolicy policy = EgressPolicy.of("p", List.of(), List.of("10.1.0.0/16:5432", "192.0.2.7/32",
                "[2001:db8::/32]:443"));

        assertThat(policy.rules().cidrs()).containsExactly("10.1.0.0/16:5432", "192.0.2.7/32:*",
                "[2001:db8::/32]:443");
        assertThat(policy.allowsAddress(Addresses.literal("10.1.200.3"), 5432)).isTrue();
        assertThat(policy.allowsAddress(Addresses.literal("10.2.0.1"), 5432)).isFalse();
        assertThat(policy.allowsAddress(Addresses.literal("10.1.0.1"), 5433)).isFalse();
        assertThat(policy.allowsAddress(Addresses.literal("192.0.2.7"), 1)).isTrue();
        assertThat(policy.allowsAddress(Addresses.literal("2001:db8:1::5"), 443)).isTrue();
        assertThat(policy.allowsAddress(Addresses.literal("2001:db9::5"), 443)).isFalse();
    }

    @Test
    void addressKindsKeepLoopbackLinkLocalAndPrivateRangesApart() {
        assertThat(Addresses.kind(Addresses.literal("127.0.0.53"))).isEqualTo(Addresses.Kind.NEVER);
        assertThat(Addresses.kind(Addresses.literal("169.254.169.254"))).isEqualTo(Addresses.Kind.NEVER);
        assertThat(Addresses.kind(Addresses.literal("::ffff:127.0.0.1"))).isEqualTo(Addresses.Kind.NEVER);
        assertThat(Addresses.kind(Addresses.literal("fe80::1"))).isEqualTo(Addresses.Kind.NEVER);
        assertThat(Addresses.kind(Addresses.literal("0.0.0.0"))).isEqualTo(Addresses.Kind.NEVER);
        assertThat(Addresses.kind(Addresses.literal("::7f00:1"))).isEqualTo(Addresses.Kind.NEVER);
        assertThat(Addresses.kind(Addresses.literal("10.0.0.1"))).isEqualTo(Addresses.Kind.INTERNAL);
        assertThat(Addresses.kind(Addresses.literal("172.31.255.1"))).isEqualTo(Addresses.Kind.INTERNAL);
        assertThat(Addresses.kind(Addresses.literal("fd00::1"))).isEqualTo(Addresses.Kind.INTERNAL);
        assertThat(Addresses.kind(Addresses.literal("198.18.0.1"))).isEqualTo(Addresses.Kind.PUBLIC);
        assertThat(Addresses.literal("999.1.1.1")).isNull();
        assertThat(Addresses.literal("example.com")).isNull();
        assertThat(Addresses.text(Addresses.literal("2001:db8:0:0:0:0:0:1"))).isEqualTo("2001:db8::1");
    }

    @Test
    void badEntriesAreRefusedWithAMessageNamingThem() {
        assertThatThrownBy(() -> EgressProfiles.parse(Map.of("web", Profile.of(List.of("ok.test", "bad_name.test"),
                null)))).hasMessage("Invalid egress configuration: agentbox.egress.profiles.web.domains entry "
                        + "'bad_name.test': 'bad_name' is not a valid label (letters, digits and inner hyphens, 1 to "
                        + "63 characters; a wildcard only as a leading '*.')");
        assertThatThrownBy(() -> EgressProfiles.parse(Map.of("web", Profile.of(List.of("a.*.test"), null))))
                .hasMessageContaining("entry 'a.*.test'");
        assertThatThrownBy(() -> EgressProfiles.parse(Map.of("web", Profile.of(List.of("10.0.0.1"), null))))
                .hasMessageContaining("put it in cidrs");
        assertThatThrownBy(() -> EgressProfiles.parse(Map.of("web", Profile.of(List.of("ok.test:70000"), null))))
                .hasMessageContaining("entry 'ok.test:70000'");
        assertThatThrownBy(() -> EgressProfiles.parse(Map.of("db", Profile.of(null, List.of("10.0.0.1/8:5432")))))
                .hasMessage("Invalid egress configuration: agentbox.egress.profiles.db.cidrs entry '10.0.0.1/8:5432':"
                        + " host bits are set; the range starts at 10.0.0.0/8");
        assertThatThrownBy(() -> EgressProfiles.parse(Map.of("db", Profile.of(null, List.of("10.0.0.0/33")))))
                .hasMessageContaining("entry '10.0.0.0/33': the prefix length must be 0 to 32");
        assertThatThrownBy(() -> EgressProfiles.parse(Map.of("db", Profile.of(null, List.of("db.internal/32")))))
                .hasMessageContaining("entry 'db.internal/32': 'db.internal' is not an IP address");
        assertThatThrownBy(() -> EgressProfiles.parse(Map.of("Web", Profile.of(List.of("a.test"), null))))
                .hasMessageContaining("agentbox.egress.profiles.Web entry 'Web'");
        assertThatThrownBy(() -> EgressProfiles.parse(Map.of("none", Profile.of(List.of("a.test"), null))))
                .hasMessageContaining("cannot be redefined");
        assertThatThrownBy(() -> EgressProfiles.parse(Map.of("empty", Profile.of(List.of(), List.of()))))
                .hasMessageContaining("allows nothing");
    }

    @Test
    void policiesSurviveTheirSerialisedForm() {
        EgressPolicy policy = EgressPolicy.of("p", List.of("*.a.test:443", "b.test"), List.of("[fd00::/8]:22"));

        assertThat(policy.rules().toPolicy()).isEqualTo(policy);
        assertThat(policy.summary()).isEqualTo("profile 'p': *.a.test:443, b.test:80, b.test:443, [fd00::/8]:22");
        assertThat(EgressPolicy.NONE.allowsAny()).isFalse();
    }
}
