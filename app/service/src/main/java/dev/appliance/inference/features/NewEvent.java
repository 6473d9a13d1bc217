package dev.appliance.inference.features;

import java.time.Instant;

/**
 * A history event to append.
 *
 * @param occurredAt       when it happened
 * @param amount           its amount
 * @param merchantCategory merchant category, if known
 */
public record NewEvent(Instant occurredAt, double amount, Integer merchantCategory) {}
