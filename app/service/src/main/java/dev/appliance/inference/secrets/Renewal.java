package dev.appliance.inference.secrets;

import java.time.Duration;

/**
 * When to renew a token or lease, after Spring Vault's lease container: renew {@code margin} before expiry but
 * not sooner than {@code minInterval}; a TTL too short for both is renewed at half-life. A renewal that grants
 * no more than the margin means the max TTL is near: renewing again cannot help, so log in again or rotate.
 *
 * @param margin      how long before expiry to renew
 * @param minInterval shortest wait before a renewal of a long-lived token or lease
 */
record Renewal(Duration margin, Duration minInterval) {

    /** How long to wait before renewing something that is valid for {@code ttl} from now. */
    Duration delay(Duration ttl) {
        Duration beforeMargin = ttl.minus(margin);
        if (beforeMargin.compareTo(minInterval) >= 0) {
            return beforeMargin;
        }
        Duration half = ttl.dividedBy(2);
        return half.compareTo(minInterval) < 0 ? half : minInterval;
    }

    /** Whether a renewal granting {@code ttl} shows that the max TTL is near. */
    boolean maxTtlNear(Duration ttl) {
        return ttl.compareTo(margin) <= 0;
    }
}
