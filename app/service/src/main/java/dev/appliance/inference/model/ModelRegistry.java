package dev.appliance.inference.model;

import dev.appliance.inference.lifecycle.Backoff;
import dev.appliance.inference.lifecycle.Scheduler;
import dev.appliance.inference.lifecycle.Upkeep;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The models being served, kept in step with the repository on disk.
 *
 * <p>Each poll loads the newest version that passes verification (plus any version a label points at),
 * publishes a new immutable view, and only then retires versions that left it; a retired version unloads
 * once its requests in flight finish. A refused version is not tried again until its files change, and
 * the last good version keeps serving. An operator may {@link #unload} a model, which then stays out of
 * service until {@link #load}.
 */
public final class ModelRegistry implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ModelRegistry.class.getName());
    private static final int MAX_ACQUIRE_ATTEMPTS = 8;

    private final ModelSettings settings;
    private final ModelLoader loader;
    private final ModelEvents events;
    private final List<String> required;
    private final Map<String, Map<Long, Refusal>> refusals = new HashMap<>();
    private final Set<String> unloaded = ConcurrentHashMap.newKeySet();
    private final Upkeep polls;
    private volatile Map<String, ModelState> models = Map.of();

    private record Refusal(long fingerprint, String message) {}

    /**
     * Creates the registry; nothing loads until {@link #start()} or {@link #refresh()}. The polls run on
     * {@code scheduler}, which also closes retired versions that requests still hold past their grace period.
     */
    public ModelRegistry(ModelSettings settings, ModelEvents events, Scheduler scheduler) {
        this.settings = settings;
        this.events = events;
        this.loader = new ModelLoader(settings, events, scheduler);
        this.required = settings.names().isEmpty() ? modelFolders() : settings.names();
        // A failed scan is retried at the poll interval too: what is loaded keeps serving meanwhile.
        Backoff everyPoll = new Backoff(settings.pollInterval(), settings.pollInterval());
        this.polls = new Upkeep("the model repository poll", everyPoll, scheduler, "");
    }

    /** Loads in the background now, then polls the repository at the configured interval. */
    public void start() {
        polls.now(this::poll);
    }

    /** Models that must have a loaded version before the service is ready. */
    public List<String> required() {
        return required;
    }

    /** True when every required model that is not unloaded has at least one loaded, warmed-up version. */
    public boolean ready() {
        Map<String, ModelState> current = models;
        return required.stream()
                .filter(n -> !unloaded.contains(n))
                .allMatch(
                        n -> current.containsKey(n) && !current.get(n).loaded().isEmpty());
    }

    /** Models an operator unloaded, which stay out of service until loaded again. */
    public Set<String> unloaded() {
        return Set.copyOf(unloaded);
    }

    /**
     * Stops serving a model: its versions retire (each unloads once its requests in flight finish) and it
     * stays unloaded, whatever the repository holds, until {@link #load}.
     *
     * @throws ModelNotFoundException the repository does not serve such a model
     */
    public synchronized void unload(String name) throws ModelNotFoundException {
        if (!servable(name)) {
            throw new ModelNotFoundException("model '" + name + "' is not in the repository");
        }
        unloaded.add(name);
        refresh(null);
    }

    /**
     * Serves a model again, or anew: reads its versions from the repository (versions refused earlier are
     * verified again) and swaps them in; the versions it replaces retire. Returns once they are loaded.
     *
     * @throws ModelNotFoundException    the repository does not serve such a model
     * @throws ModelUnavailableException no version of it loads; the reasons are in the repository index
     */
    public synchronized ModelState load(String name) throws ModelNotFoundException, ModelUnavailableException {
        if (!servable(name)) {
            throw new ModelNotFoundException("model '" + name + "' is not in the repository");
        }
        unloaded.remove(name);
        refusals.remove(name);
        refresh(name);
        ModelState state = models.get(name);
        if (state == null || state.loaded().isEmpty()) {
            throw new ModelUnavailableException(
                    "model '" + name + "' has no version that loads" + (state == null ? "" : ": " + state.refused()));
        }
        return state;
    }

    private boolean servable(String name) {
        return required.contains(name)
                || (settings.names().isEmpty() && modelFolders().contains(name));
    }

    /** The current view of every served model, by name. */
    public Map<String, ModelState> models() {
        return models;
    }

    /**
     * Resolves and holds a version for one request. The caller must {@link ServedVersion#release()} it.
     *
     * @throws ModelNotFoundException    unknown model, version or label
     * @throws ModelUnavailableException the model has nothing loaded, or its label points at a version
     *                                   that is not loaded
     */
    public ServedVersion acquire(String name, VersionSelector selector)
            throws ModelNotFoundException, ModelUnavailableException {
        for (int attempt = 0; attempt < MAX_ACQUIRE_ATTEMPTS; attempt++) {
            ServedVersion version = resolve(name, selector);
            if (version.tryAcquire()) {
                return version;
            }
            // Retired between resolve and hold: a newer view is already published, so look again.
        }
        throw new ModelUnavailableException("model '" + name + "' is reloading; retry");
    }

    /**
     * The current state of one model.
     *
     * @throws ModelNotFoundException    the model is not served
     * @throws ModelUnavailableException the model is required but the first scan has not finished
     */
    public ModelState state(String name) throws ModelNotFoundException, ModelUnavailableException {
        ModelState state = models.get(name);
        if (state == null) {
            if (unloaded.contains(name)) {
                throw new ModelNotFoundException("model '" + name + "' is unloaded until an operator loads it again");
            }
            if (required.contains(name)) {
                throw new ModelUnavailableException("model '" + name + "' has no loaded version yet");
            }
            throw new ModelNotFoundException(
                    "model '" + name + "' is not served (served: " + String.join(", ", models.keySet()) + ")");
        }
        return state;
    }

    private ServedVersion resolve(String name, VersionSelector selector)
            throws ModelNotFoundException, ModelUnavailableException {
        ModelState state = state(name);
        return switch (selector) {
            case VersionSelector.Latest latest -> {
                ServedVersion v = state.latest();
                if (v == null) {
                    throw new ModelUnavailableException("model '" + name + "' has no loaded version");
                }
                yield v;
            }
            case VersionSelector.Exact exact -> {
                ServedVersion v = state.loaded().get(exact.version());
                if (v == null) {
                    String why = state.refused().get(exact.version());
                    throw new ModelNotFoundException("version " + exact.version() + " of model '" + name + "' is "
                            + (why != null
                                    ? "refused: " + why
                                    : "not loaded (loaded: " + state.loaded().keySet() + ")"));
                }
                yield v;
            }
            case VersionSelector.Label label -> {
                Long number = state.labels().get(label.label());
                if (number == null) {
                    throw new ModelNotFoundException("label '" + label.label() + "' is not defined for model '" + name
                            + "' (defined: " + String.join(", ", state.labels().keySet()) + ")");
                }
                ServedVersion v = state.loaded().get(number);
                if (v == null) {
                    throw new ModelUnavailableException("label '" + label.label() + "' of model '" + name
                            + "' points at version " + number + ", which is not loaded");
                }
                yield v;
            }
        };
    }

    /** Scans the repository once and brings the served versions in line with it. */
    public synchronized void refresh() {
        refresh(null);
    }

    /** As {@link #refresh()}; the versions of model {@code reread}, if any, are loaded anew from disk. */
    private void refresh(String reread) {
        Map<String, ModelState> before = models;
        Map<String, ModelState> after = new LinkedHashMap<>();
        List<ServedVersion> leaving = new ArrayList<>();
        for (String name : servedNames()) {
            ModelState old = before.get(name);
            NavigableMap<Long, ServedVersion> current = old == null ? new TreeMap<>() : old.loaded();
            NavigableMap<Long, ServedVersion> next =
                    refreshModel(name, name.equals(reread) ? new TreeMap<>() : current);
            if (name.equals(reread) && next.isEmpty()) {
                next = current; // a re-read that loads nothing keeps the last good versions serving
            }
            Map<Long, String> refused = refusals.getOrDefault(name, Map.of()).entrySet().stream()
                    .collect(Collectors.toUnmodifiableMap(
                            Map.Entry::getKey, e -> e.getValue().message()));
            after.put(
                    name,
                    new ModelState(
                            name,
                            Collections.unmodifiableNavigableMap(next),
                            settings.labels().getOrDefault(name, Map.of()),
                            refused));
            NavigableMap<Long, ServedVersion> serving = next;
            current.forEach((v, served) -> {
                if (serving.get(v) != served) {
                    leaving.add(served);
                }
            });
        }
        before.forEach((name, state) -> {
            if (!after.containsKey(name)) {
                leaving.addAll(state.loaded().values());
            }
        });
        models = Map.copyOf(after);
        for (ServedVersion v : leaving) {
            LOG.info(() -> "retiring model " + v.manifest().model() + " version " + v.version()
                    + "; it unloads when its requests in flight finish");
            v.retire();
        }
    }

    private NavigableMap<Long, ServedVersion> refreshModel(String name, NavigableMap<Long, ServedVersion> current) {
        NavigableMap<Long, Path> onDisk = versionFolders(settings.root().resolve(name));
        NavigableMap<Long, ServedVersion> next = new TreeMap<>();
        for (Map.Entry<Long, Path> e : onDisk.descendingMap().entrySet()) {
            ServedVersion served = keepOrLoad(name, e.getKey(), e.getValue(), current);
            if (served != null) {
                next.put(e.getKey(), served);
                break;
            }
        }
        for (long labelled : settings.labels().getOrDefault(name, Map.of()).values()) {
            Path dir = onDisk.get(labelled);
            if (dir != null && !next.containsKey(labelled)) {
                ServedVersion served = keepOrLoad(name, labelled, dir, current);
                if (served != null) {
                    next.put(labelled, served);
                }
            }
        }
        refusals.getOrDefault(name, new HashMap<>()).keySet().retainAll(onDisk.keySet());
        return next;
    }

    /** The loaded version if it is already serving, a newly loaded one, or null when it is refused. */
    private ServedVersion keepOrLoad(String name, long version, Path dir, Map<Long, ServedVersion> current) {
        ServedVersion existing = current.get(version);
        if (existing != null) {
            return existing;
        }
        long fingerprint = fingerprint(dir);
        Refusal earlier = refusals.getOrDefault(name, Map.of()).get(version);
        if (earlier != null && earlier.fingerprint() == fingerprint) {
            return null;
        }
        long start = System.nanoTime();
        try {
            ServedVersion loaded = loader.load(dir, name, version);
            refusals.getOrDefault(name, new HashMap<>()).remove(version);
            events.loaded(name, version, ModelLoader.since(start));
            LOG.info(() -> "loaded model " + name + " version " + version + " in "
                    + ModelLoader.since(start).toMillis() + " ms");
            return loaded;
        } catch (ModelRejectedException e) {
            refusals.computeIfAbsent(name, k -> new HashMap<>()).put(version, new Refusal(fingerprint, e.getMessage()));
            events.loadFailed(name, version, e.reason());
            LOG.log(
                    Level.WARNING,
                    "refused model " + name + " version " + version + " ("
                            + e.reason().tag() + "): " + e.getMessage() + "; it is not served until its files change");
            return null;
        }
    }

    private void poll() {
        try {
            refresh();
            polls.succeeded();
            polls.schedule(settings.pollInterval(), this::poll);
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "model repository scan failed; serving what is loaded", e);
            polls.retry(this::poll, "repository scan failed: " + e.getMessage(), settings.pollInterval());
        }
    }

    private Set<String> servedNames() {
        Set<String> names = new LinkedHashSet<>(required);
        if (settings.names().isEmpty()) {
            names.addAll(modelFolders());
        }
        names.removeAll(unloaded);
        return names;
    }

    private List<String> modelFolders() {
        try (Stream<Path> children = Files.list(settings.root())) {
            return children.filter(Files::isDirectory)
                    .map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith("."))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot list model repository " + settings.root(), e);
            return List.of();
        }
    }

    private static NavigableMap<Long, Path> versionFolders(Path modelDir) {
        NavigableMap<Long, Path> versions = new TreeMap<>();
        if (!Files.isDirectory(modelDir)) {
            return versions;
        }
        try (Stream<Path> children = Files.list(modelDir)) {
            children.filter(Files::isDirectory)
                    .filter(p -> p.getFileName().toString().matches("\\d{1,18}"))
                    .forEach(p -> versions.put(Long.parseLong(p.getFileName().toString()), p));
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot list model folder " + modelDir, e);
        }
        return versions;
    }

    /** Cheap change detector for a refused folder: paths, sizes and modification times of its files. */
    private static long fingerprint(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.sorted()
                    .mapToLong(p -> {
                        try {
                            return p.toString().hashCode() * 31L
                                    + Files.size(p) * 17L
                                    + Files.getLastModifiedTime(p).toMillis();
                        } catch (IOException e) {
                            return p.toString().hashCode();
                        }
                    })
                    .reduce(1L, (a, b) -> a * 1_000_003L + b);
        } catch (IOException e) {
            return 0L;
        }
    }

    @Override
    public void close() {
        polls.close();
        synchronized (this) {
            models.values().forEach(s -> s.loaded().values().forEach(ServedVersion::retire));
            models = Map.of();
        }
    }
}
