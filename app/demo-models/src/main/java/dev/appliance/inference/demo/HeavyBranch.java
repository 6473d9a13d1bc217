package dev.appliance.inference.demo;

import java.util.SplittableRandom;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A deliberately expensive, nearly neutral addition to the risk model's log-odds, so the heavy demo model
 * costs several milliseconds per row and a cache has something to save. It is a fixed random-feature
 * transform, not something trained:
 * <pre>
 * h = tanh(x W1 + b1)                      [n, 512]   (x: standardised encoded columns)
 * t = tanh(h ⊗ h)                          [n, 512, 512] per-row outer product
 * m = tanh(tanh(t W2) W3), three times     six 512x512x512 matmuls per row (~1.6 GFLOP)
 * nudge = 0.05 * tanh(mean(m))             [n, 1], so the output stays the risk model's within ±0.05 logit
 * </pre>
 * Its weights are drawn from a fixed seed, so the branch is deterministic; they take about 2 MB (all
 * rounds reuse W2 and W3, so the cost grows without the file growing).
 */
record HeavyBranch(float[][] w1, float[] b1, float[][] w2, float[][] w3) {

    static final int WIDTH = 512;
    private static final long SEED = 7L;
    private static final float SCALE = 0.05f;
    /** Each round is two 512x512 matmuls per row, about 0.54 GFLOP. */
    private static final int ROUNDS = 3;

    /** Random weights for an input of {@code inputWidth} columns. */
    static HeavyBranch forInputWidth(int inputWidth) {
        SplittableRandom random = new SplittableRandom(SEED);
        float[] b1 = new float[WIDTH];
        for (int i = 0; i < WIDTH; i++) {
            b1[i] = (float) (0.1 * gaussian(random));
        }
        return new HeavyBranch(
                matrix(random, inputWidth, WIDTH), b1, matrix(random, WIDTH, WIDTH), matrix(random, WIDTH, WIDTH));
    }

    /** The {@code [n, 1]} log-odds nudge for standardised encoded columns {@code x}. */
    Operand<TFloat32> nudge(Ops tf, Operand<TFloat32> x) {
        Operand<TFloat32> h = tf.math.tanh(tf.math.add(tf.linalg.matMul(x, tf.constant(w1)), tf.constant(b1)));
        Operand<TFloat32> outer = tf.math.mul(tf.expandDims(h, tf.constant(2)), tf.expandDims(h, tf.constant(1)));
        Operand<TFloat32> rows = tf.reshape(tf.math.tanh(outer), tf.constant(new int[] {-1, WIDTH}));
        Operand<TFloat32> w2c = tf.constant(w2);
        Operand<TFloat32> w3c = tf.constant(w3);
        Operand<TFloat32> m = rows;
        for (int i = 0; i < ROUNDS; i++) {
            m = tf.math.tanh(tf.linalg.matMul(tf.math.tanh(tf.linalg.matMul(m, w2c)), w3c));
        }
        Operand<TFloat32> perRow = tf.reshape(m, tf.constant(new int[] {-1, WIDTH * WIDTH}));
        Operand<TFloat32> mean =
                tf.math.mean(perRow, tf.constant(new int[] {1}), org.tensorflow.op.math.Mean.keepDims(true));
        return tf.math.mul(tf.constant(SCALE), tf.math.tanh(mean));
    }

    private static float[][] matrix(SplittableRandom random, int rows, int columns) {
        double scale = 1 / StrictMath.sqrt(rows);
        float[][] m = new float[rows][columns];
        for (float[] row : m) {
            for (int j = 0; j < columns; j++) {
                row[j] = (float) (scale * gaussian(random));
            }
        }
        return m;
    }

    private static double gaussian(SplittableRandom random) {
        double u1 = 1 - random.nextDouble();
        double u2 = random.nextDouble();
        return StrictMath.sqrt(-2 * StrictMath.log(u1)) * StrictMath.cos(2 * Math.PI * u2);
    }
}
