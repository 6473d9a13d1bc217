package dev.appliance.inference.demo;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Quality of a model on rows it was not trained on.
 *
 * @param rows      number of held-out rows
 * @param baseRate  share of risky rows
 * @param accuracy  accuracy at threshold 0.5
 * @param majority  accuracy of always answering the majority class (the bar to beat)
 * @param auc       area under the ROC curve
 * @param logLoss   mean log-loss
 */
record HeldOutMetrics(int rows, double baseRate, double accuracy, double majority, double auc, double logLoss) {

    static HeldOutMetrics of(LogisticModel model, List<SyntheticTransactions.Labelled> rows) {
        int n = rows.size();
        double[] p = new double[n];
        int positives = 0;
        int correct = 0;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            SyntheticTransactions.Labelled row = rows.get(i);
            p[i] = model.probability(row.transaction().features());
            positives += row.risky() ? 1 : 0;
            correct += (p[i] >= 0.5) == row.risky() ? 1 : 0;
            loss += GradientDescent.logLoss(p[i], row.risky() ? 1 : 0);
        }
        double baseRate = (double) positives / n;
        return new HeldOutMetrics(
                n, baseRate, (double) correct / n, Math.max(baseRate, 1 - baseRate), auc(p, rows), loss / n);
    }

    /** Mann-Whitney form of the AUC, ties counted as half. */
    private static double auc(double[] p, List<SyntheticTransactions.Labelled> rows) {
        Integer[] order = new Integer[p.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingDouble(i -> p[i]));
        double rankSumPositives = 0;
        long positives = 0;
        int i = 0;
        while (i < order.length) {
            int j = i;
            while (j + 1 < order.length && p[order[j + 1]] == p[order[i]]) {
                j++;
            }
            double averageRank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                if (rows.get(order[k]).risky()) {
                    rankSumPositives += averageRank;
                    positives++;
                }
            }
            i = j + 1;
        }
        long negatives = p.length - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        return (rankSumPositives - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
    }

    @Override
    public String toString() {
        return String.format(
                "held-out rows %d, risky %.1f%%, accuracy %.4f (majority class %.4f), AUC %.4f, log-loss %.4f",
                rows, 100 * baseRate, accuracy, majority, auc, logLoss);
    }
}
