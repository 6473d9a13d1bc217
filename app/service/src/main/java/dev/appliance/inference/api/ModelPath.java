package dev.appliance.inference.api;

import dev.appliance.inference.model.VersionSelector;
import java.util.List;

/**
 * A parsed model URL: which model, which version, and what to do.
 *
 * <p>TF Serving: {@code {m}[/versions/{v}|/labels/{l}][:predict|/metadata]} under {@code /v1/models/}.
 * Open Inference Protocol: {@code {m}[/versions/{v}][/ready|/infer|/stats|/config]} under {@code /v2/models/}.
 *
 * @param model    model name
 * @param selector version, label or latest
 * @param action   {@code status}, {@code metadata}, {@code predict}, {@code ready}, {@code infer}, {@code stats}
 *                 or {@code config}
 */
record ModelPath(String model, VersionSelector selector, String action) {

    static ModelPath tfServing(String rest) throws ApiException {
        String action = "status";
        String path = rest;
        int colon = path.lastIndexOf(':');
        if (colon >= 0) {
            String verb = path.substring(colon + 1);
            if (!verb.equals("predict")) {
                throw ApiException.notFound("':" + verb + "' is not supported; this server answers ':predict'");
            }
            action = "predict";
            path = path.substring(0, colon);
        } else if (path.endsWith("/metadata")) {
            action = "metadata";
            path = path.substring(0, path.length() - "/metadata".length());
        }
        List<String> parts = List.of(path.split("/", -1));
        return new ModelPath(name(parts.get(0)), selector(parts, true, rest), action);
    }

    static ModelPath oip(String rest) throws ApiException {
        String action = "metadata";
        String path = rest;
        for (String verb : List.of("ready", "infer", "stats", "config")) {
            if (path.endsWith("/" + verb)) {
                action = verb;
                path = path.substring(0, path.length() - verb.length() - 1);
            }
        }
        List<String> parts = List.of(path.split("/", -1));
        return new ModelPath(name(parts.get(0)), selector(parts, false, rest), action);
    }

    private static VersionSelector selector(List<String> parts, boolean labels, String rest) throws ApiException {
        if (parts.size() == 1) {
            return VersionSelector.LATEST;
        }
        if (parts.size() == 3 && parts.get(1).equals("versions")) {
            return new VersionSelector.Exact(versionNumber(parts.get(2), "version"));
        }
        if (labels
                && parts.size() == 3
                && parts.get(1).equals("labels")
                && !parts.get(2).isEmpty()) {
            return new VersionSelector.Label(parts.get(2));
        }
        throw ApiException.notFound("no such endpoint: '" + rest + "' under models/");
    }

    /**
     * The path a gRPC request names by model and version fields: an empty version is the latest (or steered).
     */
    static ModelPath of(String model, String version, String action) throws ApiException {
        if (model.isEmpty()) {
            throw ApiException.badRequest("a model name is required");
        }
        return new ModelPath(
                model,
                version.isEmpty()
                        ? VersionSelector.LATEST
                        : new VersionSelector.Exact(versionNumber(version, "version")),
                action);
    }

    /** A version number given as text; {@code what} names it in the error. */
    static long versionNumber(String text, String what) throws ApiException {
        if (!text.matches("\\d{1,18}")) {
            throw ApiException.badRequest(what + " must be a non-negative integer, got '" + text + "'");
        }
        return Long.parseLong(text);
    }

    private static String name(String name) throws ApiException {
        if (name.isEmpty()) {
            throw ApiException.notFound("a model name is required after models/");
        }
        return name;
    }
}
