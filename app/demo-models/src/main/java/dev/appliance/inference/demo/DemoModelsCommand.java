package dev.appliance.inference.demo;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code build-demo-models} command: {@code build-demo-models --output DIR [--signing-key FILE]}.
 * Trains, exports and (with a key) signs the demo models under {@code DIR}, printing progress to stdout.
 * The leading {@code build-demo-models} word is optional in {@code args}.
 */
public final class DemoModelsCommand {

    static final String NAME = "build-demo-models";
    static final String USAGE = "usage: " + NAME + " --output DIR [--signing-key FILE]";

    // Exit codes.
    static final int OK = 0;
    static final int FAILED = 1;
    static final int BAD_USAGE = 2;

    private DemoModelsCommand() {}

    /** Runs the command and exits with its code; {@code make models} runs it from target/demo-models-exec.jar. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command; returns 0 on success, 1 when the build fails, 2 on bad usage (usage line on stderr). */
    public static int run(String[] args) {
        return run(args, System.out, System.err);
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Path output = null;
        Path signingKey = null;
        int i = args.length > 0 && args[0].equals(NAME) ? 1 : 0;
        while (i < args.length) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                out.println(USAGE);
                return OK;
            }
            String option = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            String value;
            if (arg.contains("=")) {
                value = arg.substring(arg.indexOf('=') + 1);
                i++;
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[i + 1];
                i += 2;
            } else {
                value = null;
                i++;
            }
            switch (option) {
                case "--output" -> output = value == null || value.isBlank() ? null : Path.of(value);
                case "--signing-key" -> signingKey = value == null || value.isBlank() ? null : Path.of(value);
                default -> {
                    return badUsage(err, "unknown argument '" + arg + "'");
                }
            }
            if (value == null || value.isBlank()) {
                return badUsage(err, option + " needs a value");
            }
        }
        if (output == null) {
            return badUsage(err, "--output is required");
        }
        try {
            out.println("building demo models into " + output.toAbsolutePath().normalize());
            DemoModels.writeRepository(output, Optional.ofNullable(signingKey), out::println);
            out.println("done: " + DemoModelBuilder.RISK + "/1, " + DemoModelBuilder.RISK + "/2, "
                    + DemoModelBuilder.HEAVY + "/1" + (signingKey == null ? " (unsigned)" : " (signed)"));
            return OK;
        } catch (RuntimeException e) {
            err.println(NAME + ": failed: " + e.getMessage());
            return FAILED;
        }
    }

    private static int badUsage(PrintStream err, String problem) {
        err.println(NAME + ": " + problem);
        err.println(USAGE);
        return BAD_USAGE;
    }
}
