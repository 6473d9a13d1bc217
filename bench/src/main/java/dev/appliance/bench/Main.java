package dev.appliance.bench;

import java.util.Arrays;

/**
 * The limit programs {@code make bench} runs beside the service, one per subcommand. Each measures the
 * fastest one part of the service can go on its own, with the same library the service uses, and
 * prints its result as one JSON line (the servers print a {@code ready} line instead and run until
 * stopped).
 */
public final class Main {

    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage();
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "helidon-get" -> HelidonGet.run(Args.parse(rest));
            case "djl-loop" -> DjlLoop.run(Args.parse(rest));
            case "driver-read" -> DriverRead.run(Args.parse(rest));
            case "model-weights" -> ModelWeights.run(Args.parse(rest));
            default -> usage();
        }
    }

    private static void usage() {
        System.err.println("usage: helidon-get|djl-loop|driver-read|model-weights --key value ...");
        System.exit(2);
    }
}
