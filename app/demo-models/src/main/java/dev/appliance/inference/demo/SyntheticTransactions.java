package dev.appliance.inference.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates the synthetic, labelled card transactions the demo models are trained on. Everything is
 * drawn from one {@link SplittableRandom} with a fixed seed and computed with {@link StrictMath}, so the
 * same seed gives the same data set, bit for bit, on every JVM.
 *
 * <h2>How a transaction is drawn</h2>
 * <ul>
 *   <li><b>User.</b> A typical amount {@code t ~ LogNormal(ln 45, 0.7)}; an account age that is, with
 *       probability 0.12, new ({@code Uniform[0, 30)} days) and otherwise {@code Exponential(mean 700)}
 *       days capped at 3650, floored to whole days.</li>
 *   <li><b>Recent amounts.</b> 5 to 20 earlier amounts, each {@code LogNormal(ln t, 0.35)};
 *       {@code recent_amount_mean} is their mean and {@code s} their sample standard deviation, floored
 *       at 1.0.</li>
 *   <li><b>Amount.</b> With probability 0.9 an ordinary {@code LogNormal(ln t, 0.45)}; otherwise an
 *       unusual one, {@code t * exp(Uniform[1, 4))}, i.e. 3 to 55 times the typical amount.
 *       {@code recent_amount_zscore = (amount - recent_amount_mean) / s}.</li>
 *   <li><b>Merchant category</b> 0..19, drawn with the weights in {@link #CATEGORY_WEIGHTS}:
 *       0 grocery, 1 fuel, 2 restaurants, 3 pharmacy, 4 electronics, 5 clothing, 6 travel, 7 hotels,
 *       8 entertainment, 9 utilities, 10 telecom, 11 gift cards, 12 home improvement, 13 books,
 *       14 sports, 15 jewellery, 16 health, 17 education, 18 money transfer, 19 crypto exchange.
 *       Categories 4, 11, 15, 18 and 19 are the high-risk ones.</li>
 *   <li><b>Hour</b> 0..23 with the day-shaped weights in {@link #HOUR_WEIGHTS} (night hours 0..5 are
 *       rare).</li>
 * </ul>
 *
 * <h2>The hidden rule</h2>
 * A transaction is risky with probability {@code sigmoid(s)}, where
 * <pre>
 * s = -4.4
 *     + 0.45 * min(max(zscore, 0), 10)
 *     + 0.50 * max(ln(amount / 100), 0)
 *     + 1.60 * [hour &lt; 6]
 *     + 1.40 * [account_age_days &lt; 30]
 *     + 1.10 * [merchant category is high-risk]
 *     + 1.20 * [hour &lt; 6 and account_age_days &lt; 30]
 * </pre>
 * The label is a Bernoulli draw from that probability, so even a perfect model cannot be certain: the
 * noise is part of the data set.
 */
final class SyntheticTransactions {

    /** Seed of every demo build. */
    static final long SEED = 42L;

    static final double[] CATEGORY_WEIGHTS = {14, 8, 12, 5, 3, 7, 3, 3, 6, 5, 4, 2, 5, 3, 4, 1.5, 4, 2, 2, 1.5};

    static final double[] HOUR_WEIGHTS = {
        1, 0.7, 0.5, 0.4, 0.4, 0.6, 1.5, 3, 4.5, 5.5, 6, 6.5, 7, 6.5, 6, 6, 6.2, 6.8, 7, 6.5, 5.5, 4.5, 3, 1.8
    };

    private static final boolean[] HIGH_RISK = highRiskCategories();

    private SyntheticTransactions() {}

    /** A transaction and its drawn label. */
    record Labelled(Transaction transaction, boolean risky) {}

    /** Draws {@code size} labelled transactions from the given seed. */
    static List<Labelled> generate(int size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Labelled> rows = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            Transaction t = draw(random);
            boolean risky = random.nextDouble() < sigmoid(hiddenScore(t));
            rows.add(new Labelled(t, risky));
        }
        return List.copyOf(rows);
    }

    /** The score of the hidden rule documented on this class. */
    static double hiddenScore(Transaction t) {
        boolean night = t.hour() < 6;
        boolean newAccount = t.accountAgeDays() < 30;
        return -4.4
                + 0.45 * Math.min(Math.max(t.recentAmountZscore(), 0), 10)
                + 0.50 * Math.max(StrictMath.log(t.amount() / 100.0), 0)
                + (night ? 1.60 : 0)
                + (newAccount ? 1.40 : 0)
                + (HIGH_RISK[t.merchantCategory()] ? 1.10 : 0)
                + (night && newAccount ? 1.20 : 0);
    }

    private static Transaction draw(SplittableRandom random) {
        double typical = logNormal(random, StrictMath.log(45), 0.7);
        double age = random.nextDouble() < 0.12
                ? random.nextDouble(0, 30)
                : Math.min(-700 * StrictMath.log(1 - random.nextDouble()), 3650);
        age = Math.floor(age);

        int recentCount = 5 + random.nextInt(16);
        double sum = 0;
        double sumSquares = 0;
        for (int i = 0; i < recentCount; i++) {
            double a = logNormal(random, StrictMath.log(typical), 0.35);
            sum += a;
            sumSquares += a * a;
        }
        double mean = sum / recentCount;
        double std =
                Math.max(StrictMath.sqrt(Math.max(sumSquares - recentCount * mean * mean, 0) / (recentCount - 1)), 1.0);

        double amount = random.nextDouble() < 0.9
                ? logNormal(random, StrictMath.log(typical), 0.45)
                : typical * StrictMath.exp(random.nextDouble(1, 4));
        amount = Math.round(amount * 100) / 100.0;

        int category = pick(random, CATEGORY_WEIGHTS);
        int hour = pick(random, HOUR_WEIGHTS);
        return new Transaction(
                (float) amount, category, hour, (float) age, (float) mean, (float) ((amount - mean) / std));
    }

    private static double logNormal(SplittableRandom random, double mu, double sigma) {
        return StrictMath.exp(mu + sigma * gaussian(random));
    }

    /** Box-Muller with StrictMath, so the draw does not depend on the JVM's intrinsics. */
    private static double gaussian(SplittableRandom random) {
        double u1 = 1 - random.nextDouble();
        double u2 = random.nextDouble();
        return StrictMath.sqrt(-2 * StrictMath.log(u1)) * StrictMath.cos(2 * Math.PI * u2);
    }

    private static int pick(SplittableRandom random, double[] weights) {
        double total = 0;
        for (double w : weights) {
            total += w;
        }
        double r = random.nextDouble() * total;
        for (int i = 0; i < weights.length; i++) {
            r -= weights[i];
            if (r < 0) {
                return i;
            }
        }
        return weights.length - 1;
    }

    private static double sigmoid(double x) {
        return 1 / (1 + StrictMath.exp(-x));
    }

    private static boolean[] highRiskCategories() {
        boolean[] high = new boolean[CATEGORY_WEIGHTS.length];
        for (int c : new int[] {4, 11, 15, 18, 19}) {
            high[c] = true;
        }
        return high;
    }
}
