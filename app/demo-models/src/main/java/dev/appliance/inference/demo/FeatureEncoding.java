package dev.appliance.inference.demo;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * How the six raw input columns become the columns a logistic regression can use. Written twice, once
 * in plain Java for training and once as TensorFlow ops for the exported graph, and tested to agree.
 *
 * <p>{@link #BASE} gives 48 columns: {@code log1p(amount)}, {@code log1p(account_age_days)},
 * {@code log1p(recent_amount_mean)} (each of a value clamped at 0), the z-score clipped to [-5, 10], a
 * one-hot of the merchant category (20) and a one-hot of the hour (24). A category or hour outside its
 * range one-hots to all zeros. {@link #WITH_INTERACTIONS} adds four products: z·log-age, z·log-amount,
 * night·log-age and night·z, where night means hour &lt; 6.
 */
enum FeatureEncoding {
    BASE(false),
    WITH_INTERACTIONS(true);

    static final int CATEGORIES = 20;
    static final int HOURS = 24;
    private static final float Z_MIN = -5f;
    private static final float Z_MAX = 10f;
    private static final float NIGHT_BEFORE = 5.5f;

    private final boolean interactions;

    FeatureEncoding(boolean interactions) {
        this.interactions = interactions;
    }

    /** Number of encoded columns. */
    int width() {
        return 4 + CATEGORIES + HOURS + (interactions ? 4 : 0);
    }

    /** Encodes one raw row in Java. */
    double[] encode(float[] raw) {
        double[] out = new double[width()];
        double logAmount = Math.log1p(Math.max(raw[0], 0f));
        double logAge = Math.log1p(Math.max(raw[3], 0f));
        double z = Math.min(Math.max(raw[5], Z_MIN), Z_MAX);
        out[0] = logAmount;
        out[1] = logAge;
        out[2] = Math.log1p(Math.max(raw[4], 0f));
        out[3] = z;
        oneHot(out, 4, raw[1], CATEGORIES);
        oneHot(out, 4 + CATEGORIES, raw[2], HOURS);
        if (interactions) {
            double night = raw[2] < NIGHT_BEFORE ? 1 : 0;
            int i = 4 + CATEGORIES + HOURS;
            out[i] = z * logAge;
            out[i + 1] = z * logAmount;
            out[i + 2] = night * logAge;
            out[i + 3] = night * z;
        }
        return out;
    }

    /** Encodes the {@code [n, 6]} input in the graph; returns {@code [n, width()]}. */
    Operand<TFloat32> encode(Ops tf, Operand<TFloat32> features) {
        Operand<TFloat32> zero = tf.constant(0f);
        Operand<TFloat32> logAmount = tf.math.log1p(tf.math.maximum(column(tf, features, 0), zero));
        Operand<TFloat32> logAge = tf.math.log1p(tf.math.maximum(column(tf, features, 3), zero));
        Operand<TFloat32> logMean = tf.math.log1p(tf.math.maximum(column(tf, features, 4), zero));
        Operand<TFloat32> z = tf.clipByValue(column(tf, features, 5), tf.constant(Z_MIN), tf.constant(Z_MAX));
        Operand<TFloat32> hour = column(tf, features, 2);

        List<Operand<TFloat32>> parts = new ArrayList<>(List.of(
                logAmount,
                logAge,
                logMean,
                z,
                oneHot(tf, column(tf, features, 1), CATEGORIES),
                oneHot(tf, hour, HOURS)));
        if (interactions) {
            Operand<TFloat32> night = tf.dtypes.cast(tf.math.less(hour, tf.constant(NIGHT_BEFORE)), TFloat32.class);
            parts.add(tf.math.mul(z, logAge));
            parts.add(tf.math.mul(z, logAmount));
            parts.add(tf.math.mul(night, logAge));
            parts.add(tf.math.mul(night, z));
        }
        return tf.concat(parts, tf.constant(1));
    }

    private static void oneHot(double[] out, int offset, float value, int depth) {
        double index = Math.rint(value);
        if (index >= 0 && index < depth) {
            out[offset + (int) index] = 1;
        }
    }

    /** Column {@code i} as {@code [n, 1]}. */
    private static Operand<TFloat32> column(Ops tf, Operand<TFloat32> features, int i) {
        return tf.gather(features, tf.constant(new int[] {i}), tf.constant(1));
    }

    /** One-hot of a {@code [n, 1]} float column holding integer values; {@code [n, depth]}. */
    private static Operand<TFloat32> oneHot(Ops tf, Operand<TFloat32> column, int depth) {
        Operand<TInt32> index =
                tf.reshape(tf.dtypes.cast(tf.math.round(column), TInt32.class), tf.constant(new int[] {-1}));
        return tf.oneHot(index, tf.constant(depth), tf.constant(1f), tf.constant(0f));
    }
}
