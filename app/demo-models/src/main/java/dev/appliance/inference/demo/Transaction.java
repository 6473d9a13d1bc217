package dev.appliance.inference.demo;

/**
 * One card transaction as the demo models see it: the six input columns, in the order of the
 * {@code features} tensor and of the manifest's feature list.
 *
 * @param amount               amount of this transaction, in the account's currency
 * @param merchantCategory     merchant category 0..19 (see {@link SyntheticTransactions})
 * @param hour                 local hour of day 0..23
 * @param accountAgeDays       days since the account was opened
 * @param recentAmountMean     mean of the user's recent transaction amounts
 * @param recentAmountZscore   (amount - recent mean) / standard deviation of the recent amounts
 */
record Transaction(
        float amount,
        int merchantCategory,
        int hour,
        float accountAgeDays,
        float recentAmountMean,
        float recentAmountZscore) {

    /** Number of input columns. */
    static final int WIDTH = 6;

    /** The row of the model's input tensor; integer features travel as floats. */
    float[] features() {
        return new float[] {amount, merchantCategory, hour, accountAgeDays, recentAmountMean, recentAmountZscore};
    }
}
