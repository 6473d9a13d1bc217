package dev.appliance.inference.demo;

/**
 * A trained logistic regression over {@link FeatureEncoding encoded} columns, standardised with the
 * training set's mean and standard deviation.
 *
 * @param encoding the encoding its columns come from
 * @param mean     per-column mean of the training set
 * @param std      per-column standard deviation of the training set (never 0)
 * @param weights  one weight per standardised column
 * @param bias     intercept
 */
record LogisticModel(FeatureEncoding encoding, double[] mean, double[] std, double[] weights, double bias) {

    /** Log-odds of one raw row, computed in Java. */
    double logit(float[] raw) {
        double[] x = encoding.encode(raw);
        double s = bias;
        for (int j = 0; j < x.length; j++) {
            s += weights[j] * (x[j] - mean[j]) / std[j];
        }
        return s;
    }

    /** Probability of one raw row, computed in Java. */
    double probability(float[] raw) {
        return 1 / (1 + Math.exp(-logit(raw)));
    }

    /** Weights with the standardisation folded in, so the graph works on unstandardised columns. */
    float[][] foldedWeights() {
        float[][] w = new float[weights.length][1];
        for (int j = 0; j < weights.length; j++) {
            w[j][0] = (float) (weights[j] / std[j]);
        }
        return w;
    }

    /** Intercept with the standardisation folded in. */
    float foldedBias() {
        double b = bias;
        for (int j = 0; j < weights.length; j++) {
            b -= weights[j] * mean[j] / std[j];
        }
        return (float) b;
    }
}
