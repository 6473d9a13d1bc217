package dev.appliance.inference.model;

/** How a request names the version it wants. */
public sealed interface VersionSelector {

    /** The highest loaded version. */
    record Latest() implements VersionSelector {}

    /** One version by number. */
    record Exact(long version) implements VersionSelector {}

    /** The version a configured label ({@code stable}, {@code canary}) points at. */
    record Label(String label) implements VersionSelector {}

    /** The highest loaded version. */
    VersionSelector LATEST = new Latest();
}
